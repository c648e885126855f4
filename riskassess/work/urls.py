from django.urls import path

from riskassess.work import views

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("a/<uuid:assessment_id>/assign/", views.assign, name="assign"),
    path(
        "a/<uuid:assessment_id>/assignments/<uuid:assignment_id>/done/",
        views.assignment_done,
        name="assignment_done",
    ),
]
