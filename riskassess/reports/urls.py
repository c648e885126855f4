from django.urls import path

from riskassess.reports import views

urlpatterns = [
    path("a/<uuid:assessment_id>/results/", views.results, name="results"),
]
