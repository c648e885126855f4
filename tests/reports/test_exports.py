import csv
import io
import json

import pytest
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.reports.build import build_report
from riskassess.reports.exports import to_csv
from tests.conftest import new_assessment


@pytest.fixture
def assessment(alice, team, checklist):
    created = new_assessment(alice, team, checklist, title='=HYPERLINK("x")')
    for key, option, comment in [
        ("INQ-01", "no", "=cmd|' /C calc'!A0"),
        ("INQ-02", "partly", "+1 via @mention -2"),
        ("MIS-01", "yes", "plain text, with a comma"),
    ]:
        services.save_answer(
            assessment=created,
            item_key=key,
            option_key=option,
            comment=comment,
            expected_version=0,
            user=alice,
        )
    return created


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_one_row_per_item(assessment, alice):
    report = build_report(get_assessment_for_user(alice, assessment.pk))
    rows = csv_rows(to_csv(report))
    assert [r["Item"] for r in rows] == [i["key"] for i in report["items"]]


def test_the_csv_neutralises_cells_that_a_spreadsheet_would_run(assessment, alice):
    report = build_report(get_assessment_for_user(alice, assessment.pk))
    rows = {r["Item"]: r for r in csv_rows(to_csv(report))}
    assert rows["INQ-01"]["Comment"] == "'=cmd|' /C calc'!A0"
    assert rows["INQ-02"]["Comment"] == "'+1 via @mention -2"
    assert rows["MIS-01"]["Comment"] == "plain text, with a comma"
    assert all(
        not value.startswith(("=", "+", "-", "@"))
        for row in rows.values()
        for value in row.values()
    )


def test_the_csv_keeps_answers_and_risks(assessment, alice):
    report = build_report(get_assessment_for_user(alice, assessment.pk))
    row = {r["Item"]: r for r in csv_rows(to_csv(report))}["INQ-02"]
    assert (row["Answer"], row["Risk"], row["Answer key"]) == ("Partly", "0.5", "partly")


def test_the_json_download_is_the_report(client, assessment, alice):
    client.force_login(alice)
    response = client.get(reverse("report_json", args=[assessment.pk]))
    data = json.loads(response.content)
    expected = build_report(get_assessment_for_user(alice, assessment.pk))
    assert data["fingerprint"] == expected["fingerprint"]
    assert data["items"] == expected["items"]
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("name", ["report_json", "report_csv"])
def test_exports_are_not_stored_by_caches(client, assessment, alice, name):
    client.force_login(alice)
    response = client.get(reverse(name, args=[assessment.pk]))
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("name", ["report_json", "report_csv"])
def test_exports_follow_the_access_rules(client, assessment, vera, charlie, name):
    url = reverse(name, args=[assessment.pk])
    client.force_login(vera)
    assert client.get(url).status_code == 200
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
