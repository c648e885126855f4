"""weighted-exposure-v2 and applicability (contracts.md §6-§7): pure, no database."""

from fractions import Fraction

import pytest

from riskassess.assessments import applicability, scoring, scoring_v2
from riskassess.assessments.scoring import CategoryInput, ItemInput
from riskassess.assessments.scoring_v2 import Item, Question, Requirement

USERS = Question("P-USERS", {"staff": 0, "business": 1, "public": 2, "minors": 3})
OUTPUT = Question("P-OUTPUT", {"text": 1, "image": 2, "none": 0}, multiple=True)
DECISIONS = Question("P-DECISIONS", {"none": 0, "advisory": 2, "automated": 4})
PUBLIC = {"P-USERS": ["public", "minors"]}


def profile(**chosen) -> dict[str, frozenset[str]]:
    return {key.replace("_", "-"): frozenset(value) for key, value in chosen.items()}


def item(key, category="misuse", *, weight=3, risk=None, na=False, required=True, **v2):
    answered = risk is not None or na
    base = ItemInput(
        key=key, category=category, weight=weight, required=required, answered=answered,
        not_applicable=na, risk=None if na else risk,
    )  # fmt: skip
    return Item(base=base, **v2)


def run(items, chosen, *, categories=None, questions=(USERS, OUTPUT, DECISIONS), **kwargs):
    categories = categories or [(CategoryInput("misuse"), None), (CategoryInput("ops"), None)]
    return scoring_v2.score(categories, items, list(questions), chosen, **kwargs)


# Conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chosen, expected",
    [
        (profile(P_USERS={"public"}), True),
        (profile(P_USERS={"staff"}), False),
        (profile(P_USERS={"staff", "minors"}), True),  # at least one chosen option is listed
        (profile(), True),  # unanswered counts as holding
        (profile(P_USERS=set()), True),  # an empty choice is unanswered
    ],
)
def test_a_condition_holds_when_a_chosen_option_is_listed(chosen, expected):
    assert applicability.holds(PUBLIC, chosen) is expected


def test_a_condition_holds_only_when_every_named_question_does():
    condition = {"P-USERS": ["public"], "P-OUTPUT": ["image"]}
    assert applicability.holds(condition, profile(P_USERS={"public"}, P_OUTPUT={"image", "text"}))
    assert not applicability.holds(condition, profile(P_USERS={"public"}, P_OUTPUT={"text"}))
    assert applicability.holds(condition, profile(P_USERS={"public"}))


def test_the_categorys_condition_is_named_first_when_both_fail():
    chosen = profile(P_USERS={"staff"}, P_OUTPUT={"text"})
    skip = applicability.skipped_by(PUBLIC, {"P-OUTPUT": ["image"]}, chosen)
    assert skip == applicability.Skip("category", PUBLIC)
    assert applicability.skipped_by(None, {"P-OUTPUT": ["image"]}, chosen).source == "item"
    assert applicability.skipped_by(None, None, chosen) is None


# Impact and tiers -------------------------------------------------------------------------


def test_an_unanswered_question_counts_its_worst_option():
    result = run([item("MIS-01", risk=0)], profile(P_USERS={"staff"}))
    assert result.impacts == {"P-USERS": 0, "P-OUTPUT": 2, "P-DECISIONS": 4}
    assert result.impact_total == 6 and result.tier == "high"


def test_a_multiple_choice_question_counts_its_highest_chosen_option():
    chosen = profile(P_USERS={"staff"}, P_OUTPUT={"text", "image"}, P_DECISIONS={"none"})
    assert run([item("MIS-01", risk=0)], chosen).impacts["P-OUTPUT"] == 2


@pytest.mark.parametrize(
    "total, tier",
    [(0, "limited"), (2.9, "limited"), (3, "moderate"), (6, "high"), (9, "very_high")],
)
def test_tiers_start_at_their_thresholds(total, tier):
    assert scoring_v2.tier_of(Fraction(str(total))) == tier


# The overall level --------------------------------------------------------------------------


def test_the_overall_level_is_the_matrix_cell_of_tier_and_control_level():
    everything = profile(P_USERS={"minors"}, P_OUTPUT={"image"}, P_DECISIONS={"automated"})
    nothing = profile(P_USERS={"staff"}, P_OUTPUT={"none"}, P_DECISIONS={"none"})
    items = [item("MIS-01", risk=0.5), item("MIS-02", risk=0)]  # 25.0: control level medium
    assert run(items, everything).level == "critical"  # very_high x medium
    assert run(items, nothing).level == "low"  # limited x medium
    assert run(items, nothing).control_level == "medium"


def test_an_escalation_is_never_masked_by_a_limited_impact():
    nothing = profile(P_USERS={"staff"}, P_OUTPUT={"none"}, P_DECISIONS={"none"})
    items = [item("MIS-01", risk=1, weight=1, critical=True)] + [
        item(f"MIS-{n:02}", risk=0, weight=5) for n in range(2, 12)
    ]
    result = run(items, nothing)
    assert result.control.score < 25 and result.tier == "limited"
    assert result.escalated_by == ("MIS-01",) and result.level == "high"


def test_a_conditional_critical_flag_is_evaluated_on_the_profile():
    items = [item("MIS-01", risk=1, critical=PUBLIC)]
    assert run(items, profile(P_USERS={"public"})).escalated_by == ("MIS-01",)
    assert run(items, profile(P_USERS={"staff"})).escalated_by == ()
    assert run(items, profile(P_USERS={"staff"})).critical == {"MIS-01": False}


def test_no_level_when_nothing_is_assessed():
    result = run([item("MIS-01")], profile())
    assert result.control_level is None and result.level is None


# Skipped items ------------------------------------------------------------------------------


def test_a_skipped_item_counts_for_nothing_and_never_escalates():
    chosen = profile(P_USERS={"staff"}, P_OUTPUT={"text"}, P_DECISIONS={"none"})
    items = [
        item("MIS-01", risk=1, critical=True, applies_if=PUBLIC),  # skipped, answered "no"
        item("MIS-02", risk=0),
    ]
    result = run(items, chosen)
    assert result.skipped == {"MIS-01": applicability.Skip("item", PUBLIC)}
    assert result.control.score == 0 and result.escalated_by == ()
    # The profile changes back: the kept answer counts again.
    assert run(items, profile(P_USERS={"public"})).escalated_by == ("MIS-01",)


def test_a_category_condition_skips_all_its_items():
    categories = [(CategoryInput("misuse"), {"P-OUTPUT": ["image"]}), (CategoryInput("ops"), None)]
    items = [item("MIS-01", risk=1), item("OPS-01", "ops", risk=0)]
    result = run(items, profile(P_OUTPUT={"text"}), categories=categories)
    assert result.skipped["MIS-01"].source == "category"
    assert result.control.score == 0


def test_completeness_counts_profile_answers_and_required_applicable_items():
    items = [
        item("MIS-01", risk=0),
        item("MIS-02", na=True),  # not applicable counts as an answer
        item("MIS-03"),  # unanswered
        item("MIS-04", applies_if=PUBLIC),  # skipped: out of both sides
        item("MIS-05", required=False),  # optional: out of both sides
    ]
    result = run(items, profile(P_USERS={"staff"}, P_OUTPUT={"text"}))
    # (2 profile answers + 2 items) / (3 questions + 3 required applicable items)
    assert result.completeness == Fraction(4, 6) and result.provisional


def test_complete_when_there_is_nothing_to_answer():
    result = run([], {}, questions=())
    assert result.completeness == 1 and not result.provisional


# Framework coverage -------------------------------------------------------------------------


def test_coverage_gives_each_requirement_one_of_six_statuses():
    nist = {f"R{n}": Requirement("nist", f"R{n}") for n in range(1, 8)}
    items = [
        item("A", risk=0, frameworks={"nist": ["R1", "R2"]}),
        item("B", risk=0.5, frameworks={"nist": ["R2"]}),
        item("C", risk=1, frameworks={"nist": ["R3"]}),
        item("D", risk=0, frameworks={"nist": ["R3"]}),
        item("E", frameworks={"nist": ["R4"]}),  # unanswered
        item("F", na=True, frameworks={"nist": ["R5"]}),
        item("G", risk=0, applies_if=PUBLIC, frameworks={"nist": ["R5", "R6"]}),  # skipped
    ]
    result = run(items, profile(P_USERS={"staff"}), requirements=list(nist.values()))
    statuses = {key: result.coverage[req][0] for key, req in nist.items()}
    assert statuses == {
        "R1": "met", "R2": "partly", "R3": "not met", "R4": "not assessed",
        "R5": "not applicable", "R6": "not applicable", "R7": "not covered",
    }  # fmt: skip
    assert result.coverage[nist["R5"]][1] == ("F", "G")
    assert set(statuses.values()) <= set(scoring_v2.STATUSES)


def test_an_item_naming_an_unknown_requirement_is_refused():
    with pytest.raises(ValueError, match="unknown requirement"):
        run([item("A", risk=0, frameworks={"nist": ["X"]})], {}, requirements=[])


def test_v2_without_profile_or_conditions_keeps_v1s_control_score():
    """The same arithmetic as v1 over the items that apply."""
    items = [item("MIS-01", risk=0.5, weight=4), item("OPS-01", "ops", risk=1, weight=2)]
    v1 = scoring.score([CategoryInput("misuse"), CategoryInput("ops")], [i.base for i in items])
    v2 = run(items, {}, questions=())
    assert v2.control.score == v1.score and v2.control_level == v1.level
    assert v2.tier == "limited" and v2.level == scoring_v2.DEFAULT_MATRIX["limited"][v1.level]
