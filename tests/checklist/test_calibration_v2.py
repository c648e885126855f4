"""The default checklist v2's calibration, scored by scoring_v2 straight from the files.

docs/checklist.md gives the level each calibration answers file must reach
(issue 12). These tests score them with the pure v2 module, from the parsed
checklist and the answers files, without the database: a second, independent
reading of contracts.md §7 next to the one the content was calibrated with.
When the questionnaire and `assess` read format 2, the same files go through
the whole pipeline too.
"""

from pathlib import Path

import pytest

from riskassess import yamlfiles
from riskassess.assessments import scoring, scoring_v2
from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
from riskassess.checklist.spec import parse

V2 = parse(DEFAULT_FILE.with_name("foundation-model-risks-v2.yaml").read_bytes())
CALIBRATION = Path(__file__).resolve().parents[2] / "examples" / "calibration"
LEVELS = scoring.LEVELS


def score_file(name: str) -> scoring_v2.Result:
    data = yamlfiles.load((CALIBRATION / name).read_bytes())
    profile = {
        key: frozenset(value if isinstance(value, list) else [value])
        for key, value in (data.get("profile") or {}).items()
    }
    answers = {
        key: (value["answer"] if isinstance(value, dict) else value)
        for key, value in (data.get("answers") or {}).items()
    }
    scale = {option.key: option for option in V2.scale}
    items = []
    for category in V2.categories:
        for item in category.items:
            options = {o.key: o for o in item.options} if item.options else scale
            chosen = options.get(answers.get(item.key)) if item.key in answers else None
            base = scoring.ItemInput(
                key=item.key,
                category=category.key,
                weight=item.weight,
                required=item.required,
                answered=chosen is not None,
                not_applicable=bool(chosen and chosen.not_applicable),
                risk=chosen.risk if chosen and not chosen.not_applicable else None,
            )
            items.append(
                scoring_v2.Item(
                    base=base,
                    applies_if=item.applies_if,
                    critical=item.critical,
                    frameworks=item.frameworks,
                )
            )
    unknown = set(answers) - {i.base.key for i in items}
    assert not unknown, unknown
    return scoring_v2.score(
        [(scoring.CategoryInput(c.key, c.weight), c.applies_if) for c in V2.categories],
        items,
        [
            scoring_v2.Question(q.key, {o.key: o.impact for o in q.options}, q.multiple)
            for q in V2.profile
        ],
        profile,
        thresholds=scoring.Thresholds(**V2.thresholds),
        tiers=V2.impact_tiers,
        matrix=V2.level_matrix,
        requirements=[
            scoring_v2.Requirement(f.key, r.id) for f in V2.frameworks for r in f.requirements
        ],
    )


def test_a_public_assistant_that_did_no_harm_testing_rates_at_least_high():
    result = score_file("b-public-assistant-no-harm-tests.yaml")
    assert LEVELS.index(result.level) >= LEVELS.index("high"), result


def test_a_staff_only_tool_with_everything_done_rates_low():
    result = score_file("a-internal-tool.yaml")
    assert result.level == "low" and not result.provisional


def test_the_same_tool_not_knowing_its_carbon_rates_at_most_medium():
    result = score_file("a-internal-tool-carbon-unknown.yaml")
    assert LEVELS.index(result.level) <= LEVELS.index("medium")


def test_a_cv_screener_that_ignored_fairness_rates_critical():
    assert score_file("c-cv-screener-no-fairness.yaml").level == "critical"


@pytest.mark.parametrize("name", sorted(p.name for p in CALIBRATION.glob("*.yaml")))
def test_every_calibration_file_answers_every_applicable_required_item(name):
    result = score_file(name)
    assert not result.provisional, (name, result.completeness)
