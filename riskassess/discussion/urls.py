from django.urls import path

from riskassess.discussion import views

urlpatterns = [
    path(
        "a/<uuid:assessment_id>/discussion/<key:item_key>/",
        views.item_discussion,
        name="item_discussion",
    ),
    path(
        "a/<uuid:assessment_id>/discussion/<key:item_key>/open/",
        views.thread_open,
        name="thread_open",
    ),
    path(
        "a/<uuid:assessment_id>/threads/<uuid:thread_id>/reply/",
        views.thread_reply,
        name="thread_reply",
    ),
    path(
        "a/<uuid:assessment_id>/threads/<uuid:thread_id>/resolve/",
        views.thread_resolve,
        name="thread_resolve",
    ),
    path(
        "a/<uuid:assessment_id>/threads/<uuid:thread_id>/reopen/",
        views.thread_reopen,
        name="thread_reopen",
    ),
]
