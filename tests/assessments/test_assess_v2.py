"""`assess` on format 2 (contracts.md §8): the profile is read, the calibration holds through
the real pipeline (answers file -> database checklist -> data -> v2 scoring -> report /2)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import parse

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "examples" / "calibration"
LEVELS = ("low", "medium", "high", "critical")


@pytest.fixture
def v2(db, checklist):
    return load_checklist(
        parse(DEFAULT_FILE.with_name("foundation-model-risks-v2.yaml").read_bytes())
    )[0]


def assess(tmp_path, name, *extra) -> dict:
    out = tmp_path / "report.json"
    call_command("assess", str(CALIBRATION / name), "--json", str(out), *extra)
    return json.loads(out.read_text())


@pytest.mark.parametrize(
    "name, lowest, highest",
    [
        ("b-public-assistant-no-harm-tests.yaml", "high", "critical"),
        ("a-internal-tool.yaml", "low", "low"),
        ("a-internal-tool-carbon-unknown.yaml", "low", "medium"),
        ("c-cv-screener-no-fairness.yaml", "critical", "critical"),
        ("../answers-support-bot.yaml", "medium", "medium"),
    ],
)
def test_the_calibration_holds_through_assess(tmp_path, v2, name, lowest, highest):
    report = assess(tmp_path, name)
    level = report["overall"]["level"]
    assert LEVELS.index(lowest) <= LEVELS.index(level) <= LEVELS.index(highest), report["impact"]
    assert report["schema"] == "riskassess.report/2"
    assert report["method"]["name"] == "weighted-exposure-v2"
    assert not report["overall"]["provisional"]


def test_the_v2_report_has_the_profile_impact_skips_and_coverage(tmp_path, v2):
    report = assess(tmp_path, "a-internal-tool.yaml")
    assert report["impact"]["tier"] == "limited" and report["overall"]["control_level"] == "low"
    assert all({"key", "answers", "labels", "impact"} <= set(q) for q in report["profile"])
    skipped = [i for i in report["items"] if not i["applies"]]
    assert skipped and all(i["skipped_by"]["source"] in ("category", "item") for i in skipped)
    assert all(i["exposure"] is None for i in skipped)
    nist = next(c for c in report["coverage"] if c["framework"] == "nist-ai-rmf")
    assert sum(nist["counts"].values()) == 72 == len(nist["requirements"])
    assert set(nist["counts"]) == {
        "met", "not met", "partly", "not assessed", "not applicable", "not covered"
    }  # fmt: skip


def test_a_failing_level_exits_1(tmp_path, v2):
    with pytest.raises(CommandError) as caught:
        assess(tmp_path, "c-cv-screener-no-fairness.yaml", "--fail-on", "high")
    assert caught.value.returncode == 1


@pytest.mark.parametrize(
    "profile, message",
    [
        ("{P-NOPE: x}", "profile.P-NOPE: unknown profile question"),
        ("{P-STAGE: someday}", "profile.P-STAGE: 'someday' is not an option"),
        ("{P-STAGE: [production]}", "profile.P-STAGE: takes one option, not a list"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_key(tmp_path, v2, profile, message):
    path = tmp_path / "a.yaml"
    path.write_text(
        f"checklist: foundation-model-risks\nversion: 2\nprofile: {profile}\nanswers: {{}}\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("assess", str(path), "--allow-incomplete")
    assert caught.value.returncode == 2 and message in str(caught.value)


def test_a_format_1_checklist_has_no_profile(tmp_path, checklist):
    path = tmp_path / "a.yaml"
    path.write_text("profile: {P-STAGE: production}\nanswers: {INQ-01: yes}\n")
    with pytest.raises(CommandError, match="has no profile questions"):
        call_command("assess", str(path), "--allow-incomplete")


def test_unanswered_profile_questions_are_missing_answers(tmp_path, v2):
    path = tmp_path / "a.yaml"
    path.write_text("checklist: foundation-model-risks\nversion: 2\nanswers: {}\n")
    with pytest.raises(CommandError, match="P-STAGE"):
        call_command("assess", str(path))


def test_the_pdf_of_a_v2_report_is_written_with_the_profile_skips_and_coverage(tmp_path, v2):
    target = tmp_path / "r.pdf"
    report = assess(tmp_path, "b-public-assistant-no-harm-tests.yaml", "--pdf", str(target))
    pages = [
        " ".join(page.extract_text().replace("\u200b", "").split())
        for page in PdfReader(io.BytesIO(target.read_bytes())).pages
    ]
    text = " ".join(pages)
    assert report["impact"] == {"total": 10, "tier": "moderate"}
    assert "Moderate impact \u00d7 high control gap \u2192 high" in text
    assert "Profile and impact" in text and "Impact total Moderate tier 10 points" in text
    # A skipped item, with its rule in the profile's own words.
    start = text.index("27 items do not apply to this profile. They are left out")
    skipped = text[start : text.index("Answers by category", start)]
    assert "INQ-07" in skipped
    assert "Are outputs used to make or inform decisions about individual people" in skipped
    assert "\u201cOutputs are one input to a decision a person makes\u201d" in skipped
    nist = next(c for c in report["coverage"] if c["framework"] == "nist-ai-rmf")
    assert "Appendix: framework coverage" in text and "NIST AI Risk Management Framework" in text
    counts = " ".join(str(nist["counts"][status]) for status in nist["counts"])
    assert f"Requirements {counts} 72" in text
    assert report["fingerprint"] in pages[-1]
