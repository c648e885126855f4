from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from riskassess.accounts.models import Role
from riskassess.assessments.access import get_assessment_for_user
from riskassess.reports.build import build_report
from riskassess.reports.chart import bar_chart


def results(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.VIEWER)
    report = build_report(assessment)
    context = {
        "assessment": assessment,
        "report": report,
        "chart": bar_chart(report),
        "can_edit": assessment.role in (Role.EDITOR, Role.OWNER) and not assessment.is_locked,
    }
    return render(request, "reports/results.html", context)
