from django.urls import path

from riskassess.reports import views

urlpatterns = [
    path("a/<uuid:assessment_id>/results/", views.results, name="results"),
    path("a/<uuid:assessment_id>/report.pdf", views.report_pdf, name="report_pdf"),
    path("a/<uuid:assessment_id>/report.json", views.report_json, name="report_json"),
    path("a/<uuid:assessment_id>/report.csv", views.report_csv, name="report_csv"),
]
