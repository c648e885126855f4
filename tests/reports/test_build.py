from datetime import UTC, datetime

import pytest

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.checklist.models import Item
from riskassess.checklist.selectors import forget_frozen
from riskassess.reports.build import build_report, fingerprint
from tests.conftest import new_assessment

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def assessment(alice, team, checklist):
    created = new_assessment(alice, team, checklist)
    return get_assessment_for_user(alice, created.pk)


def answer(assessment, user, key, option, comment=""):
    services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=0,
        user=user,
    )


def answer_all(assessment, user, option="yes"):
    for item in Item.objects.filter(checklist=assessment.checklist):
        answer(assessment, user, item.key, option)


def test_it_follows_the_json_contract_shape(assessment):
    report = build_report(assessment, now=NOW)
    assert report["schema"] == "riskassess.report/1"
    assert report["generated_at"] == "2026-11-26T10:00:00Z"
    assert report["method"]["name"] == "weighted-exposure-v1"
    assert report["method"]["thresholds"] == {"medium": 25, "high": 50, "critical": 75}
    assert set(report["assessment"]) >= {
        "id",
        "title",
        "model",
        "base_model",
        "context",
        "team",
        "status",
    }
    assert set(report["overall"]) >= {
        "score",
        "level",
        "completeness",
        "provisional",
        "escalated_by",
    }
    assert set(report["categories"][0]) >= {
        "key",
        "name",
        "weight",
        "score",
        "level",
        "escalated_by",
        "answered",
        "applicable",
        "total",
    }
    assert set(report["items"][0]) >= {
        "key",
        "category",
        "question",
        "weight",
        "critical",
        "answer",
        "answer_label",
        "risk",
        "comment",
        "mitigation",
        "reference",
    }


def test_it_scores_a_hand_checked_category(assessment, alice):
    # inequity: INQ-01 (weight 3) "no" -> 3 x 1.0; INQ-02 (weight 4) "partly" -> 4 x 0.5
    # score = 100 x (3 + 2) / (3 + 4) = 71.43 -> 71.4, high
    answer(assessment, alice, "INQ-01", "no")
    answer(assessment, alice, "INQ-02", "partly")
    weights = dict(Item.objects.filter(key__in=["INQ-01", "INQ-02"]).values_list("key", "weight"))
    assert weights == {"INQ-01": 3, "INQ-02": 4}
    inequity = build_report(assessment)["categories"][0]
    assert (inequity["score"], inequity["level"]) == (71.4, "high")
    assert (inequity["answered"], inequity["total"]) == (2, 15)


def test_na_answers_are_excluded_and_counted(assessment, alice):
    answer(assessment, alice, "INQ-01", "na", comment="No user-facing output")
    inequity = build_report(assessment)["categories"][0]
    assert inequity["score"] is None and inequity["level"] is None
    assert (inequity["applicable"], inequity["not_applicable"]) == (14, 1)


def test_it_marks_an_incomplete_assessment_provisional(assessment, alice):
    answer(assessment, alice, "INQ-01", "yes")
    overall = build_report(assessment)["overall"]
    assert overall["provisional"] is True
    assert overall["completeness"] < 1


def test_top_findings_are_ranked_by_exposure_with_mitigations(assessment, alice):
    answer(assessment, alice, "INQ-01", "partly")  # weight 3 x 0.5 = 1.5
    answer(assessment, alice, "INQ-07", "no")  # weight 5 x 1.0 = 5
    answer(assessment, alice, "INQ-02", "yes")  # no exposure: not a finding
    findings = build_report(assessment)["top_findings"]
    assert [f["key"] for f in findings] == ["INQ-07", "INQ-01"]
    assert findings[0]["exposure"] == 5.0 and findings[0]["mitigation"]


def test_a_critical_no_escalates_and_is_named(assessment, alice):
    answer(assessment, alice, "INQ-07", "no")
    report = build_report(assessment)
    assert report["overall"]["escalated_by"] == ["INQ-07"]
    assert report["categories"][0]["escalated_by"] == ["INQ-07"]


def test_the_fingerprint_ignores_generation_time_but_not_content(assessment, alice):
    first = build_report(assessment, now=NOW)
    later = build_report(assessment, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert first["fingerprint"] == later["fingerprint"] == fingerprint(later)
    answer(assessment, alice, "INQ-01", "no")
    assert build_report(assessment)["fingerprint"] != first["fingerprint"]


def test_a_submitted_report_ignores_later_checklist_edits(assessment, alice):
    answer_all(assessment, alice, "partly")
    services.submit(assessment=assessment, user=alice)
    assessment = get_assessment_for_user(alice, assessment.pk)
    before = build_report(assessment)
    item = Item.objects.get(checklist=assessment.checklist, key="INQ-01")
    item.question, item.weight = "Rewritten question?", 1
    item.save()
    option = assessment.checklist.options.get(item=None, key="partly")
    option.risk = 0.9
    option.save()
    after = build_report(assessment)
    assert after["categories"] == before["categories"]
    assert after["items"] == before["items"]
    assert after["overall"] == before["overall"]


def test_building_a_report_takes_the_same_queries_at_two_sizes(
    alice, team, checklist, django_assert_num_queries
):
    from tests.checklist.test_browse import big_checklist

    small = services.create_assessment(
        user=alice,
        team=team,
        checklist=checklist,
        title="s",
        model_name="m",
        base_model="b",
        context="c",
    )
    big = services.create_assessment(
        user=alice,
        team=team,
        checklist=big_checklist(),
        title="b",
        model_name="m",
        base_model="b",
        context="c",
    )
    for created in (small, big):
        loaded = get_assessment_for_user(alice, created.pk)
        # revisions, categories, items, options, answers, events, evidence, and the
        # deployment's action plan: its findings, actions and their links (actions/report.py)
        forget_frozen()
        with django_assert_num_queries(10):
            build_report(loaded)
        # The published version's tree is now in memory: revisions, answers, events,
        # evidence, the plan's three.
        with django_assert_num_queries(7):
            build_report(loaded)


def test_the_results_page_shows_the_fingerprint_printed_in_the_pdf(client, assessment, alice):
    client.force_login(alice)
    response = client.get(f"/a/{assessment.pk}/results/")
    assert build_report(assessment)["fingerprint"] in response.content.decode()
