from django.urls import path

from riskassess.reports import compare_views, verify_views, views

urlpatterns = [
    path("a/<uuid:assessment_id>/results/", views.results, name="results"),
    path("a/<uuid:assessment_id>/report.pdf", views.report_pdf, name="report_pdf"),
    path("a/<uuid:assessment_id>/report.json", views.report_json, name="report_json"),
    path("a/<uuid:assessment_id>/report.csv", views.report_csv, name="report_csv"),
    path("a/<uuid:assessment_id>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path(
        "a/<uuid:assessment_id>/r/<int:number>/",
        views.revision_results,
        name="revision_results",
    ),
    path(
        "a/<uuid:assessment_id>/r/<int:number>/report.pdf",
        views.revision_pdf,
        name="revision_pdf",
    ),
    path(
        "a/<uuid:assessment_id>/r/<int:number>/report.json",
        views.revision_json,
        name="revision_json",
    ),
    path(
        "a/<uuid:assessment_id>/r/<int:number>/report.csv",
        views.revision_csv,
        name="revision_csv",
    ),
    path(
        "a/<uuid:assessment_id>/r/<int:number>/report.xlsx",
        views.revision_xlsx,
        name="revision_xlsx",
    ),
    path("verify/", verify_views.verify_report, name="verify_report"),
    # Two reports of one deployment compared (compare_views.py): ?before=<ref>&after=<ref>.
    path("d/<uuid:deployment_id>/compare/", compare_views.compare_page, name="compare"),
    path("d/<uuid:deployment_id>/compare.json", compare_views.compare_json, name="compare_json"),
]
