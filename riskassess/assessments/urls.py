from django.urls import path

from riskassess.assessments import (
    history,
    imports,
    profile_views,
    questionnaire,
    reassess_views,
    review_views,
    upgrade_views,
    views,
)

urlpatterns = [
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/new/", views.assessment_new, name="assessment_new"),
    path("assessments/import/", imports.assessment_import, name="assessment_import"),
    path("a/<uuid:assessment_id>/", views.assessment_home, name="assessment"),
    path("a/<uuid:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("a/<uuid:assessment_id>/submit/", views.assessment_submit, name="assessment_submit"),
    path("a/<uuid:assessment_id>/reopen/", views.assessment_reopen, name="assessment_reopen"),
    path("a/<uuid:assessment_id>/review/", review_views.review_page, name="assessment_review"),
    path(
        "a/<uuid:assessment_id>/review/approve/",
        review_views.review_approve,
        name="review_approve",
    ),
    path(
        "a/<uuid:assessment_id>/review/changes/",
        review_views.review_request_changes,
        name="review_request_changes",
    ),
    path(
        "a/<uuid:assessment_id>/review/withdraw/",
        review_views.review_withdraw,
        name="review_withdraw",
    ),
    path("a/<uuid:assessment_id>/delete/", views.assessment_delete, name="assessment_delete"),
    path("a/<uuid:assessment_id>/archive/", views.assessment_archive, name="assessment_archive"),
    path("a/<uuid:assessment_id>/restore/", views.assessment_restore, name="assessment_restore"),
    path(
        "a/<uuid:assessment_id>/upgrade/",
        upgrade_views.assessment_upgrade,
        name="assessment_upgrade",
    ),
    path(
        "d/<uuid:deployment_id>/reassess/",
        reassess_views.deployment_reassess,
        name="deployment_reassess",
    ),
    path("a/<uuid:assessment_id>/history/", history.assessment_history, name="assessment_history"),
    path(
        "a/<uuid:assessment_id>/q/", questionnaire.questionnaire_start, name="questionnaire_start"
    ),
    path("a/<uuid:assessment_id>/profile/", profile_views.profile, name="profile"),
    path(
        "a/<uuid:assessment_id>/profile/<key:question_key>/",
        profile_views.profile_save,
        name="profile_save",
    ),
    path(
        "a/<uuid:assessment_id>/q/<key:category_key>/",
        questionnaire.questionnaire,
        name="questionnaire",
    ),
    path(
        "a/<uuid:assessment_id>/answers/<key:item_key>/",
        questionnaire.answer_save,
        name="answer_save",
    ),
]
