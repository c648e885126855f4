from django.urls import path

from riskassess.actions import views

urlpatterns = [
    path("a/<uuid:assessment_id>/plan/", views.plan, name="action_plan"),
    path(
        "a/<uuid:assessment_id>/plan/export.<slug:fmt>",
        views.plan_export,
        name="action_plan_export",
    ),
    path(
        "a/<uuid:assessment_id>/plan/findings/<key:item_key>/",
        views.finding,
        name="action_finding",
    ),
    path("a/<uuid:assessment_id>/plan/actions/new/", views.action_new, name="action_new"),
    path(
        "a/<uuid:assessment_id>/plan/actions/<uuid:action_id>/",
        views.action_edit,
        name="action_edit",
    ),
    path(
        "a/<uuid:assessment_id>/plan/actions/<uuid:action_id>/status/",
        views.action_status,
        name="action_status",
    ),
]
