from django.urls import path

from riskassess.evidence import views

urlpatterns = [
    path(
        "a/<uuid:assessment_id>/evidence/<key:item_key>/",
        views.item_evidence,
        name="item_evidence",
    ),
    path(
        "a/<uuid:assessment_id>/evidence/<key:item_key>/add/",
        views.evidence_add,
        name="evidence_add",
    ),
    path(
        "a/<uuid:assessment_id>/evidence/<uuid:evidence_id>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "a/<uuid:assessment_id>/evidence/<uuid:evidence_id>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
]
