"""Comparing two reports of one deployment (issue 13, schema riskassess.comparison/1,
docs/comparison.md).

Reports are built the ways the app builds them: frozen in revisions by submitting
(`Revision.report`), live for a draft (build_report), or from an answers file
through the `assess` command's pipeline, which scores without saving anything and
so keeps these tests fast. A few hand-written reports pin the reading rule.
"""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from riskassess.assessments import answersfile, services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.reportdata import report_from_data
from riskassess.reports.build import build_report
from riskassess.reports.comparison import CHANGES, compare
from riskassess.reports.management.commands.assess import report_details
from tests.conftest import answer_all, new_assessment, set_profile

CALIBRATION = Path(__file__).resolve().parents[2] / "examples" / "calibration"
# A public text assistant in production, not making decisions about people (P-DECISIONS:
# none), whose harm tests were not done: its items that apply are answered, no others.
PUBLIC = CALIBRATION / "b-public-assistant-no-harm-tests.yaml"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SLUG = "foundation-model-risks"


def file_report(content: dict | bytes) -> dict:
    """The report of an answers file, as `manage.py assess --json` writes it."""
    raw = content if isinstance(content, bytes) else json.dumps(content)
    parsed = answersfile.parse(raw)
    return report_from_data(answersfile.build(parsed).data, report_details(parsed), now=NOW)


def v1_answers(checklist, option: str = "yes", **overrides) -> dict:
    """An answers file for version 1: every item `option` but the `overrides` (INQ_01="no")."""
    keys = checklist.items.filter(active=True).values_list("key", flat=True)
    answers = dict.fromkeys(keys, option)
    answers.update({key.replace("_", "-"): value for key, value in overrides.items()})
    return {"checklist": SLUG, "version": 1, "assessment": {"title": "Bot"}, "answers": answers}


def public_file(**profile) -> dict:
    """The PUBLIC calibration file, with some profile answers replaced."""
    content = answersfile._load(PUBLIC.read_bytes())
    content["profile"].update({key.replace("_", "-"): value for key, value in profile.items()})
    return content


def row(result: dict, key: str) -> dict:
    return next(r for r in result["items"] if r["key"] == key)


def by_key(report: dict) -> dict:
    return {item["key"]: item for item in report["items"]}


def save(assessment, user, key: str, option: str, comment: str = "") -> None:
    current = assessment.answers.filter(item__key=key).values_list("version", flat=True).first()
    services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=current or 0,
        user=user,
    )


@pytest.fixture
def submitted_v1(assessment, alice):
    """alice's version-1 assessment, every item "yes", submitted: revision 1."""
    answer_all(assessment, alice, "yes")
    services.submit(assessment=assessment, user=alice)
    return assessment


# The same report, twice ------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_a_report_compared_with_itself_is_unchanged_everywhere(checklist, v2_checklist, version):
    if version == 1:
        report = file_report(v1_answers(checklist, "partly", INQ_01="no", MIS_08="unknown"))
    else:
        report = file_report(PUBLIC.read_bytes())

    result = compare(report, copy.deepcopy(report), before_label="A", after_label="B")

    assert result["overall"]["reading"] == "unchanged"
    assert result["overall"]["score"]["delta"] == 0.0
    assert {result["overall"][k]["change"] for k in ("score", "level", "control_level")} == {
        "unchanged"
    }
    assert result["counts"]["unchanged"] == result["counts"]["total"] == len(report["items"])
    assert sum(result["counts"][k] for k in CHANGES) == len(report["items"])
    assert result["items"] == []
    assert {c["status"] for c in result["categories"]} == {"unchanged"}
    assert [c["key"] for c in result["categories"]] == [c["key"] for c in report["categories"]]
    if version == 1:
        assert result["profile"] is None and result["coverage"] is None
    else:
        assert result["profile"] == []
        assert [f["status"] for f in result["coverage"]] == ["unchanged"] * len(report["coverage"])
        assert all(f["requirements"] == [] for f in result["coverage"])

    listed = compare(report, report, before_label="A", after_label="B", include_unchanged=True)
    assert [r["key"] for r in listed["items"]] == [i["key"] for i in report["items"]]
    assert {r["change"] for r in listed["items"]} == {"unchanged"}


# Revisions of one assessment -------------------------------------------------------------------


def test_answers_changed_from_yes_to_no_read_worse_with_their_deltas(submitted_v1, alice):
    assessment = submitted_v1
    services.reopen(assessment=assessment, user=alice, note="New release")
    save(assessment, alice, "INQ-01", "no", "Provider stopped publishing its model card")
    save(assessment, alice, "INQ-07", "no")  # a critical item: it escalates
    services.submit(assessment=assessment, user=alice)
    first, second = (r.report for r in assessment.revisions.order_by("number"))

    result = compare(first, second, before_label="Revision 1", after_label="Revision 2")

    assert result["before"]["revision"] == 1 and result["after"]["revision"] == 2
    assert result["before"]["label"] == "Revision 1"
    assert result["checklist_changed"] is False
    inequity_weight = sum(i["weight"] for i in second["items"] if i["category"] == "inequity")
    weights = by_key(second)["INQ-01"]["weight"] + by_key(second)["INQ-07"]["weight"]
    inequity = 100 * weights / inequity_weight
    overall = result["overall"]
    # Four categories of weight 1, the others all "yes" (score 0).
    assert overall["score"] == {
        "before": 0.0,
        "after": round(inequity / 4, 1),
        "delta": round(inequity / 4, 1),
        "change": "worse",
    }
    # The score stays low; the failed critical item raises the level to high.
    assert overall["level"] == {"before": "low", "after": "high", "change": "worse"}
    assert overall["control_level"]["after"] == "high"
    assert overall["impact_tier"] == {"before": None, "after": None, "change": "unchanged"}
    assert overall["reading"] == "worse"

    assert [r["key"] for r in result["items"]] == ["INQ-01", "INQ-07"]
    inq01 = row(result, "INQ-01")
    assert inq01["change"] == "answer_changed"
    assert (inq01["before"]["answer"], inq01["after"]["answer"]) == ("yes", "no")
    assert (inq01["before"]["answer_label"], inq01["after"]["answer_label"]) == ("Yes", "No")
    assert (inq01["before"]["risk"], inq01["after"]["risk"], inq01["risk_delta"]) == (0, 1, 1)
    assert inq01["before"]["exposure"] == 0.0
    assert inq01["after"]["exposure"] == inq01["exposure_delta"] == inq01["after"]["weight"]
    assert inq01["after"]["comment"] == "Provider stopped publishing its model card"
    assert inq01["wording_changed"] is False and inq01["critical_changed"] is False
    counts = result["counts"]
    assert counts["answer_changed"] == 2
    assert counts["unchanged"] == counts["total"] - 2 == len(first["items"]) - 2

    inequity_row = result["categories"][0]
    assert inequity_row["key"] == "inequity" and inequity_row["status"] == "changed"
    assert inequity_row["score"]["delta"] == round(inequity, 1)
    assert inequity_row["level"] == {"before": "low", "after": "high", "change": "worse"}
    assert {c["status"] for c in result["categories"][1:]} == {"unchanged"}

    back = compare(second, first, before_label="Revision 2", after_label="Revision 1")
    assert back["overall"]["reading"] == "better"
    assert back["overall"]["score"]["delta"] == -round(inequity / 4, 1)
    assert row(back, "INQ-01")["risk_delta"] == -1.0


def test_a_v1_revision_against_a_v2_draft_matches_items_by_key(
    submitted_v1, alice, team, v2_checklist
):
    revision = submitted_v1.revisions.get()
    # The re-assessment of the same deployment, on version 2, partly done.
    draft = new_assessment(alice, team, v2_checklist)
    set_profile(draft, alice, **{"P-DECISIONS": "none", "P-USERS": "public"})
    save(draft, alice, "INQ-01", "no")
    save(draft, alice, "INQ-03", "yes")
    after = build_report(get_assessment_for_user(alice, draft.pk))
    before = revision.report

    result = compare(before, after, before_label="Revision 1", after_label="Re-assessment")

    assert result["before"]["checklist"]["version"] == 1
    assert result["after"]["checklist"]["version"] == 2
    assert (result["before"]["method"], result["after"]["method"]) == (
        "weighted-exposure-v1",
        "weighted-exposure-v2",
    )
    assert result["checklist_changed"] is True
    assert (
        result["after"]["revision"] is None and result["after"]["assessment"]["status"] == "draft"
    )
    tier = after["impact"]["tier"]
    assert tier is not None
    assert result["before"]["impact_tier"] is None and result["after"]["impact_tier"] == tier
    assert result["overall"]["impact_tier"] == {"before": None, "after": tier, "change": None}
    assert result["overall"]["provisional"] is True
    # Profile and coverage are compared between two /2 reports only.
    assert result["profile"] is None and result["coverage"] is None

    old, new = by_key(before), by_key(after)
    added = [key for key in new if key not in old]
    removed = [key for key in old if key not in new]
    assert "OPS-01" in added and removed == ["MIS-13", "ENV-02", "ENV-03", "ENV-04"]
    # After's order, then what only the revision had, in its order.
    assert [r["key"] for r in result["items"]] == [*new, *removed]
    assert {r["key"] for r in result["items"] if r["change"] == "added"} == set(added)
    assert [r["key"] for r in result["items"] if r["change"] == "removed"] == removed
    assert row(result, "MIS-13")["after"] is None and row(result, "OPS-01")["before"] is None
    assert result["counts"]["added"] == len(added)
    assert result["counts"]["removed"] == len(removed)

    # Reworded between the versions: compared by key, and flagged.
    inq03 = row(result, "INQ-03")
    assert inq03["wording_changed"] is True
    assert inq03["question_before"] == old["INQ-03"]["question"] != new["INQ-03"]["question"]
    assert inq03["question"] == new["INQ-03"]["question"]
    assert inq03["change"] == "unchanged"  # still "yes", and listed for its new wording
    assert row(result, "INQ-01")["wording_changed"] is False
    assert row(result, "INQ-01")["change"] == "answer_changed"
    reworded = [k for k in new if k in old and old[k]["question"] != new[k]["question"]]
    assert result["counts"]["wording_changed"] == len(reworded) > 0

    # Decisions about people are out of scope now: INQ-07 applied under version 1.
    assert new["INQ-07"]["applies"] is False
    assert row(result, "INQ-07")["change"] == "skipped_now"
    assert row(result, "INQ-07")["before"]["applies"] is True
    # The rest of the revision's answers are not given again yet.
    assert row(result, "INQ-02")["change"] == "no_longer_answered"
    assert row(result, "INQ-02")["after"]["answer"] is None
    assert result["counts"]["critical_changed"] == sum(
        1 for k in new if k in old and old[k]["critical"] != new[k]["critical"]
    )


# Format 2: the profile decides what applies ----------------------------------------------------


def test_a_profile_change_skips_and_brings_back_items_and_moves_coverage(v2_checklist):
    before = file_report(PUBLIC.read_bytes())
    after = file_report(public_file(P_STAGE="prelaunch", P_DECISIONS="advisory"))

    result = compare(before, after, before_label="In production", after_label="Relaunch")

    old, new = by_key(before), by_key(after)
    skipped = [k for k in new if old[k]["applies"] and not new[k]["applies"]]
    applies = [k for k in new if not old[k]["applies"] and new[k]["applies"]]
    assert skipped and applies and "INQ-07" in applies
    assert [r["key"] for r in result["items"] if r["change"] == "skipped_now"] == skipped
    assert [r["key"] for r in result["items"] if r["change"] == "applies_now"] == applies
    assert result["counts"]["skipped_now"] == len(skipped)
    assert result["counts"]["applies_now"] == len(applies)
    now_skipped = row(result, skipped[0])
    assert now_skipped["after"]["skipped_by"]["condition"] == {"P-STAGE": ["production"]}
    assert now_skipped["after"]["answer"] == old[skipped[0]]["answer"]  # kept, and ignored
    assert now_skipped["after"]["risk"] is None and now_skipped["risk_delta"] is None
    critical = [k for k in new if old[k]["critical"] != new[k]["critical"]]
    assert critical
    assert [r["key"] for r in result["items"] if r["critical_changed"]] == critical

    decisions = next(p for p in result["profile"] if p["key"] == "P-DECISIONS")
    assert decisions["status"] == "changed"
    assert decisions["before"]["answers"] == ["none"]
    assert decisions["after"]["answers"] == ["advisory"]
    assert decisions["after"]["labels"] == ["Outputs are one input to a decision a person makes"]
    assert decisions["impact_delta"] == 2
    assert [p["key"] for p in result["profile"]] == ["P-STAGE", "P-DECISIONS"]
    impact = result["overall"]["impact_total"]
    assert impact == {
        "before": before["impact"]["total"],
        "after": after["impact"]["total"],
        "delta": 2,
    }
    assert result["overall"]["impact_tier"]["before"] == before["impact"]["tier"]
    assert result["overall"]["impact_tier"]["after"] == after["impact"]["tier"]

    assert [f["framework"] for f in result["coverage"]] == [
        f["framework"] for f in after["coverage"]
    ]
    for framework, was, now in zip(
        result["coverage"], before["coverage"], after["coverage"], strict=True
    ):
        assert framework["counts"] == {"before": was["counts"], "after": now["counts"]}
        statuses = {r["id"]: r["status"] for r in was["requirements"]}
        moved = [
            (r["id"], statuses[r["id"]], r["status"])
            for r in now["requirements"]
            if statuses[r["id"]] != r["status"]
        ]
        assert [(r["id"], r["before"], r["after"]) for r in framework["requirements"]] == moved
        assert framework["status"] == ("changed" if moved else "unchanged")
    assert any(f["requirements"] for f in result["coverage"])


def test_answering_unanswering_and_commenting_are_told_apart(checklist):
    first = v1_answers(checklist, INQ_03={"answer": "yes", "comment": "a"})
    del first["answers"]["INQ-02"]
    second = v1_answers(checklist, INQ_03={"answer": "yes", "comment": "b"})
    del second["answers"]["INQ-01"]
    before, after = file_report(first), file_report(second)

    result = compare(before, after, before_label="A", after_label="B")

    changes = {r["key"]: r["change"] for r in result["items"]}
    assert changes == {
        "INQ-01": "no_longer_answered",
        "INQ-02": "newly_answered",
        "INQ-03": "comment_changed",
    }
    assert row(result, "INQ-03")["before"]["comment"] == "a"
    assert row(result, "INQ-03")["after"]["comment"] == "b"


def test_an_unchanged_answer_that_counts_differently_now_is_listed(checklist, v2_checklist):
    # Version 2 lowered ENV-08's weight from 3 to 2 and kept its question.
    before = file_report(v1_answers(checklist, ENV_08="no"))
    content = public_file(P_HOSTING=["cloud"])
    content["answers"]["ENV-08"] = "no"
    after = file_report(content)

    result = compare(before, after, before_label="A", after_label="B")

    env08 = row(result, "ENV-08")
    assert env08["change"] == "unchanged" and env08["wording_changed"] is False
    assert (env08["before"]["weight"], env08["after"]["weight"]) == (3, 2)
    assert (env08["risk_delta"], env08["exposure_delta"]) == (0.0, -1.0)
    # INQ-01 is "yes" on both sides, with the same question and weight: counted, not listed.
    assert "INQ-01" not in [r["key"] for r in result["items"]]
    listed = compare(before, after, before_label="A", after_label="B", include_unchanged=True)
    assert row(listed, "INQ-01")["change"] == "unchanged"


# The reading -----------------------------------------------------------------------------------


def tiny(score, level, *, control=None, tier=None, schema="riskassess.report/1") -> dict:
    """A hand-written report with nothing but an overall result."""
    report = {
        "schema": schema,
        "checklist": {"slug": SLUG, "version": 1, "name": "Checklist"},
        "method": {"name": "weighted-exposure-v1"},
        "overall": {"score": score, "level": level, "completeness": 1.0, "provisional": False},
        "categories": [],
        "items": [],
    }
    if schema.endswith("/2"):
        report["overall"]["control_level"] = control or level
        report["impact"] = {"total": 0, "tier": tier}
    return report


@pytest.mark.parametrize(
    ("before", "after", "reading"),
    [
        (tiny(30.0, "medium"), tiny(20.0, "low"), "better"),
        (tiny(30.0, "medium"), tiny(28.5, "medium"), "better"),
        (tiny(30.0, "medium"), tiny(30.0, "medium"), "unchanged"),
        (tiny(30.0, "medium"), tiny(31.0, "medium"), "worse"),
        # Level up (a failed critical item escalates) while the score went down.
        (tiny(30.0, "medium"), tiny(20.0, "high"), "mixed"),
        # Nothing assessed on one side: nothing to compare with.
        (tiny(None, None), tiny(20.0, "low"), "not comparable"),
        (tiny(None, None), tiny(None, None), "unchanged"),
        # Format 2: a higher impact tier is worse, even with the same level and score.
        (
            tiny(30.0, "medium", tier="moderate", schema="riskassess.report/2"),
            tiny(30.0, "medium", tier="high", schema="riskassess.report/2"),
            "worse",
        ),
        # Better controls, more impact: mixed.
        (
            tiny(30.0, "medium", tier="limited", schema="riskassess.report/2"),
            tiny(20.0, "medium", control="low", tier="high", schema="riskassess.report/2"),
            "mixed",
        ),
        # A tier only one side has (a /1 report) does not count.
        (
            tiny(30.0, "high"),
            tiny(20.0, "medium", tier="high", schema="riskassess.report/2"),
            "better",
        ),
    ],
)
def test_the_reading_rule(before, after, reading):
    result = compare(before, after, before_label="A", after_label="B")
    assert result["overall"]["reading"] == reading


def test_a_null_score_has_no_delta():
    result = compare(tiny(None, None), tiny(20.0, "low"), before_label="A", after_label="B")
    assert result["overall"]["score"] == {
        "before": None,
        "after": 20.0,
        "delta": None,
        "change": None,
    }


def test_anything_but_a_report_is_refused_naming_the_side():
    with pytest.raises(ValueError, match=r"^after: not a riskassess report \('riskassess.x/9'\)"):
        compare(tiny(1.0, "low"), {"schema": "riskassess.x/9"}, before_label="A", after_label="B")


# JSON ------------------------------------------------------------------------------------------


def reordered(value):
    """The same data with every object's keys reversed, as PostgreSQL's jsonb may give it back."""
    if isinstance(value, dict):
        return {k: reordered(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


def test_the_result_is_plain_json_deterministic_and_leaves_its_inputs_alone(
    checklist, v2_checklist
):
    v1 = file_report(v1_answers(checklist, "partly", INQ_07="no"))
    v2 = file_report(public_file(P_STAGE="prelaunch", P_DECISIONS="advisory"))
    v2_before = file_report(PUBLIC.read_bytes())
    kept = copy.deepcopy((v1, v2, v2_before))

    for before, after in ((v1, v2), (v2_before, v2)):
        result = compare(before, after, before_label="A", after_label="B", include_unchanged=True)
        text = json.dumps(result, allow_nan=False)
        assert json.loads(text) == result
        again = compare(
            reordered(before),
            reordered(after),
            before_label="A",
            after_label="B",
            include_unchanged=True,
        )
        assert json.dumps(again, allow_nan=False) == text
    assert (v1, v2, v2_before) == kept
