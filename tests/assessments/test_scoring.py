"""Specification of the scoring method weighted-exposure-v1 (docs: contracts, section 1).

The answer scale used throughout: yes = 0.0, partly = 0.5, no = unknown = 1.0, na excluded.
"""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.assessments.scoring import (
    LEVELS,
    METHOD,
    CategoryInput,
    ItemInput,
    Thresholds,
    exposure,
    level_of,
    round_score,
    score,
)

YES, PARTLY, NO = 0.0, 0.5, 1.0
GOV = [CategoryInput("gov")]


def answered(key, risk, *, category="gov", weight=1, critical=False, required=True):
    return ItemInput(
        key, category, weight, critical=critical, required=required, answered=True, risk=risk
    )


def unanswered(key, *, category="gov", weight=1, required=True):
    return ItemInput(key, category, weight, required=required)


def na(key, *, category="gov", weight=1, critical=False, required=True):
    return ItemInput(
        key,
        category,
        weight,
        critical=critical,
        required=required,
        answered=True,
        not_applicable=True,
    )


def test_it_names_the_method():
    assert METHOD == "weighted-exposure-v1"


# Hand-computed scores


def test_it_scores_a_single_category_as_the_weighted_mean_risk():
    # 100 * (3*1.0 + 2*0.5 + 1*0.0) / (3 + 2 + 1) = 100 * 4/6 = 66.67 -> high
    result = score(
        GOV,
        [
            answered("a", NO, weight=3),
            answered("b", PARTLY, weight=2),
            answered("c", YES, weight=1),
        ],
    )
    (gov,) = result.categories
    assert gov.score == Fraction(200, 3)
    assert gov.level == "high"
    assert gov.rounded == 66.7
    assert (result.score, result.level) == (Fraction(200, 3), "high")


def test_it_weights_categories_in_the_overall_score():
    # misuse (weight 2): 100 * 2*0.5 / 2 = 50 -> high
    # privacy (weight 1): 100 * (1*1.0 + 3*0.0) / 4 = 25 -> medium
    # overall: (2*50 + 1*25) / (2 + 1) = 125/3 = 41.67 -> medium
    categories = [CategoryInput("misuse", weight=2), CategoryInput("privacy", weight=1)]
    items = [
        answered("MIS-01", PARTLY, category="misuse", weight=2),
        answered("PRI-01", NO, category="privacy", weight=1),
        answered("PRI-02", YES, category="privacy", weight=3),
    ]
    result = score(categories, items)
    misuse, privacy = result.categories
    assert (misuse.key, misuse.score, misuse.level) == ("misuse", 50, "high")
    assert (privacy.key, privacy.score, privacy.level) == ("privacy", 25, "medium")
    assert result.score == Fraction(125, 3)
    assert result.level == "medium"
    assert result.rounded == 41.7


def test_it_accepts_fractional_category_weights():
    # (0.1*100 + 0.2*0) / 0.3 = 33.33 -> medium
    categories = [CategoryInput("a", weight=0.1), CategoryInput("b", weight=0.2)]
    items = [answered("A-1", NO, category="a"), answered("B-1", YES, category="b")]
    assert score(categories, items).score == Fraction(100, 3)


def test_it_scores_a_mix_of_partly_no_and_yes():
    # 100 * (5*0.0 + 4*0.5 + 1*1.0) / (5 + 4 + 1) = 100 * 3/10 = 30 -> medium
    items = [
        answered("a", YES, weight=5),
        answered("b", PARTLY, weight=4),
        answered("c", NO, weight=1),
    ]
    result = score(GOV, items)
    assert result.score == 30
    assert result.level == "medium"


def test_it_ignores_unanswered_items_in_the_score():
    # only "a" counts: 100 * 2*0.5 / 2 = 50
    result = score(GOV, [answered("a", PARTLY, weight=2), unanswered("b", weight=5)])
    assert result.score == 50


def test_it_counts_answers_per_category():
    items = [answered("a", NO), na("b"), unanswered("c"), unanswered("d", required=False)]
    (gov,) = score(GOV, items).categories
    assert (gov.answered, gov.applicable, gov.total) == (2, 3, 4)
    assert (gov.required, gov.answered_required) == (3, 2)


# Not applicable and not assessed


def test_it_excludes_not_applicable_items_from_the_score():
    # 100 * (1*1.0 + 1*0.0) / 2 = 50, with or without a heavy N/A item
    items = [answered("a", NO), answered("b", YES)]
    with_na = score(GOV, [*items, na("c", weight=5)])
    assert with_na.score == score(GOV, items).score == 50


def test_it_leaves_a_category_answered_only_not_applicable_unassessed():
    categories = [CategoryInput("gov"), CategoryInput("env", weight=3)]
    items = [answered("GOV-1", PARTLY), na("ENV-1", category="env"), na("ENV-2", category="env")]
    result = score(categories, items)
    env = result.categories[1]
    assert (env.score, env.level, env.rounded) == (None, None, None)
    # the overall is gov's alone, whatever env's weight
    assert result.score == 50


def test_it_leaves_a_category_without_answers_unassessed():
    (gov,) = score(GOV, [unanswered("a")]).categories
    assert (gov.score, gov.level) == (None, None)


def test_it_gives_no_overall_score_when_no_category_is_assessed():
    result = score([CategoryInput("gov"), CategoryInput("env")], [na("a"), unanswered("b")])
    assert (result.score, result.level, result.rounded) == (None, None, None)


def test_it_keeps_categories_in_input_order_even_without_items():
    categories = [CategoryInput("zeta"), CategoryInput("alpha"), CategoryInput("mid")]
    result = score(categories, [answered("a", NO, category="alpha")])
    assert [c.key for c in result.categories] == ["zeta", "alpha", "mid"]
    assert result.categories[0].total == 0


# Levels and thresholds


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0, "low"),
        (Fraction(25) - Fraction(1, 10**9), "low"),
        (25, "medium"),
        (Fraction(50) - Fraction(1, 10**9), "medium"),
        (50, "high"),
        (74.99, "high"),
        (75, "critical"),
        (100, "critical"),
    ],
)
def test_it_maps_values_to_levels_with_each_threshold_inclusive(value, level):
    assert level_of(value, Thresholds()) == level


@pytest.mark.parametrize(
    ("weights", "risks", "level"),
    [
        ((1, 3), (NO, YES), "medium"),  # 100 * 1/4 = 25
        ((2,), (PARTLY,), "high"),  # 100 * 0.5 = 50
        ((3, 1), (NO, YES), "critical"),  # 100 * 3/4 = 75
    ],
)
def test_it_gives_the_higher_level_to_a_score_exactly_at_a_threshold(weights, risks, level):
    items = [
        answered(f"i{n}", r, weight=w) for n, (w, r) in enumerate(zip(weights, risks, strict=True))
    ]
    assert score(GOV, items).level == level


def test_it_reaches_a_threshold_that_float_arithmetic_would_miss():
    # 100 * (4*0.1 + 5*0.2 + 4*0.3 + 1*0.9) / (4 + 5 + 4 + 1) = 100 * 3.5/14 = 25 -> medium
    weights, risks = (4, 5, 4, 1), (0.1, 0.2, 0.3, 0.9)
    as_floats = 100 * sum(w * r for w, r in zip(weights, risks, strict=True)) / sum(weights)
    assert as_floats < 25  # 24.999999999999996: binary floats would say "low"
    items = [
        answered(f"i{n}", r, weight=w) for n, (w, r) in enumerate(zip(weights, risks, strict=True))
    ]
    result = score(GOV, items)
    assert result.score == 25
    assert result.level == "medium"


def test_it_decides_the_level_on_the_unrounded_score():
    result = score(GOV, [answered("a", 0.2496)])
    assert result.rounded == 25.0
    assert result.level == "low"


def test_it_uses_custom_thresholds():
    # 100 * (1*0.5 + 1*0.0) / 2 = 25
    items = [answered("a", PARTLY), answered("b", YES)]
    assert score(GOV, items, Thresholds(medium=10, high=20, critical=30)).level == "high"
    assert score(GOV, items, Thresholds(medium=30, high=60, critical=90)).level == "low"


@pytest.mark.parametrize(
    ("medium", "high", "critical"),
    [(0, 50, 75), (-5, 50, 75), (50, 25, 75), (25, 50, 50), (25, 75, 50), (25, 50, 100.5)],
)
def test_it_refuses_thresholds_out_of_order_or_range(medium, high, critical):
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(medium, high, critical)


def test_it_accepts_a_critical_threshold_of_100():
    assert level_of(100, Thresholds(critical=100)) == "critical"


# Critical items


def test_it_escalates_to_high_when_a_critical_item_is_answered_no():
    # 100 * (1*1.0 + 9*0.0) / 10 = 10 -> low, lifted to high; the score stays 10
    items = [
        answered("GOV-1", NO, critical=True),
        answered("GOV-2", YES, weight=5),
        answered("GOV-3", YES, weight=4),
    ]
    result = score(GOV, items)
    (gov,) = result.categories
    assert (gov.score, gov.level, gov.escalated_by) == (10, "high", ("GOV-1",))
    assert (result.score, result.level, result.escalated_by) == (10, "high", ("GOV-1",))


def test_it_escalates_the_overall_level_even_when_other_categories_are_low():
    # gov: 100 * 1/5 = 20 -> high by escalation; env: 0 -> low; overall (20 + 0) / 2 = 10 -> high
    categories = [CategoryInput("gov"), CategoryInput("env")]
    items = [
        answered("GOV-1", NO, critical=True),
        answered("GOV-2", YES, weight=4),
        answered("ENV-1", YES, category="env"),
    ]
    result = score(categories, items)
    assert [c.level for c in result.categories] == ["high", "low"]
    assert (result.score, result.level) == (10, "high")


def test_it_does_not_escalate_for_a_critical_item_answered_partly():
    items = [answered("GOV-1", PARTLY, critical=True), answered("GOV-2", YES, weight=4)]
    result = score(GOV, items)
    assert result.level == "low"  # 100 * 0.5/5 = 10
    assert result.escalated_by == ()


def test_it_does_not_escalate_for_a_critical_item_answered_not_applicable():
    result = score(GOV, [na("GOV-1", critical=True), answered("GOV-2", YES)])
    assert result.level == "low"
    assert result.escalated_by == ()


def test_it_does_not_escalate_for_a_non_critical_item_answered_no():
    result = score(GOV, [answered("GOV-1", NO), answered("GOV-2", YES, weight=4)])
    assert result.level == "low"  # 100 * 1/5 = 20


def test_it_never_lowers_a_critical_level_by_escalation():
    result = score(GOV, [answered("GOV-1", NO, critical=True)])  # 100 -> critical
    assert result.categories[0].level == result.level == "critical"
    assert result.escalated_by == ("GOV-1",)


def test_it_lists_every_escalating_item_in_input_order():
    categories = [CategoryInput("gov"), CategoryInput("env")]
    items = [
        answered("GOV-2", NO, critical=True),
        answered("ENV-1", NO, category="env", critical=True),
        answered("GOV-1", NO, critical=True),
        answered("GOV-3", PARTLY, critical=True),
    ]
    result = score(categories, items)
    assert result.categories[0].escalated_by == ("GOV-2", "GOV-1")
    assert result.categories[1].escalated_by == ("ENV-1",)
    assert result.escalated_by == ("GOV-2", "GOV-1", "ENV-1")


# Completeness


def test_it_is_provisional_while_required_items_are_unanswered():
    items = [answered("a", YES), answered("b", NO), unanswered("c")]
    result = score(GOV, items)
    assert result.completeness == Fraction(2, 3)
    assert result.provisional


def test_it_does_not_count_optional_items_in_completeness():
    # required: "a" answered, "b" not -> 1/2, whatever the optional "c" and "d"
    items = [
        answered("a", YES),
        unanswered("b"),
        answered("c", NO, required=False),
        unanswered("d", required=False),
    ]
    assert score(GOV, items).completeness == Fraction(1, 2)
    assert not score(GOV, [answered("a", YES), unanswered("d", required=False)]).provisional


def test_it_counts_not_applicable_as_answered_for_completeness():
    result = score(GOV, [na("a"), answered("b", NO)])
    assert result.completeness == 1
    assert not result.provisional


def test_it_is_complete_when_nothing_is_required():
    result = score(GOV, [unanswered("a", required=False)])
    assert (result.completeness, result.provisional) == (1, False)
    assert score(GOV, []).completeness == 1


# Rounding and exposure


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(4375, 100), 43.8),
        (Fraction(1245, 100), 12.5),  # round(12.45, 1) gives 12.4
        (Fraction(1244, 100), 12.4),
        (Fraction(200, 3), 66.7),
        (Fraction(0), 0.0),
        (Fraction(100), 100.0),
        (None, None),
    ],
)
def test_it_rounds_half_up_to_one_decimal(value, shown):
    assert round_score(value) == shown


def test_it_rounds_a_category_score_of_43_75_up():
    # 100 * (5*1.0 + 4*0.5 + 5*0.0 + 2*0.0) / 16 = 700/16 = 43.75
    items = [
        answered("a", NO, weight=5),
        answered("b", PARTLY, weight=4),
        answered("c", YES, weight=5),
        answered("d", YES, weight=2),
    ]
    result = score(GOV, items)
    assert result.score == Fraction(4375, 100)
    assert result.categories[0].rounded == result.rounded == 43.8


def test_it_ranks_findings_by_exposure():
    items = [
        answered("yes-5", YES, weight=5),
        answered("no-1", NO, weight=1),
        na("na-5", weight=5),
        answered("partly-4", PARTLY, weight=4),
        unanswered("open-5", weight=5),
        answered("no-5", NO, weight=5),
    ]
    assert [exposure(i) for i in items] == [0, 1, 0, 2, 0, 5]
    ranked = sorted(items, key=exposure, reverse=True)
    assert [i.key for i in ranked[:3]] == ["no-5", "partly-4", "no-1"]


def test_it_computes_exposure_exactly():
    assert exposure(answered("a", 0.3, weight=3)) == Fraction(9, 10)


# Validation


@pytest.mark.parametrize("weight", [0, 6, -1, 2.5, True])
def test_it_refuses_an_item_weight_outside_1_to_5(weight):
    with pytest.raises(ValueError, match="weight"):
        unanswered("a", weight=weight)


@pytest.mark.parametrize("risk", [-0.1, 1.01, 2, None])
def test_it_refuses_a_risk_outside_0_to_1_on_an_answered_item(risk):
    with pytest.raises(ValueError, match="risk"):
        answered("a", risk)


def test_it_ignores_risk_on_unanswered_and_not_applicable_items():
    items = [ItemInput("a", "gov", 1, risk=7), replace(na("b"), risk=-3)]
    assert [exposure(i) for i in items] == [0, 0]


def test_it_refuses_not_applicable_on_an_unanswered_item():
    with pytest.raises(ValueError, match="not_applicable"):
        ItemInput("a", "gov", 1, not_applicable=True)


@pytest.mark.parametrize("weight", [0, -1, 0.0])
def test_it_refuses_a_category_weight_that_is_not_positive(weight):
    with pytest.raises(ValueError, match="weight"):
        CategoryInput("gov", weight=weight)


def test_it_refuses_an_item_in_an_unknown_category():
    with pytest.raises(ValueError, match="unknown category 'env'"):
        score(GOV, [answered("a", NO, category="env")])


def test_it_refuses_duplicate_item_keys():
    with pytest.raises(ValueError, match="duplicate item keys: a"):
        score(GOV, [answered("a", NO), answered("a", YES)])


def test_it_refuses_duplicate_category_keys():
    with pytest.raises(ValueError, match="duplicate category keys: gov"):
        score([CategoryInput("gov"), CategoryInput("gov", weight=2)], [])


# Properties

deterministic = settings(max_examples=200, deadline=None, derandomize=True)
risks = st.one_of(
    st.sampled_from([YES, PARTLY, NO]),
    st.floats(min_value=0, max_value=1),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
answers = st.one_of(st.none(), st.just("na"), risks)  # unanswered, N/A, or a risk


@st.composite
def assessments(draw, min_items=0):
    """Categories and items, each item unanswered, N/A or answered with some risk."""
    n_categories = draw(st.integers(1, 4))
    categories = [
        CategoryInput(f"c{n}", weight=draw(st.one_of(st.integers(1, 5), st.floats(0.01, 100))))
        for n in range(n_categories)
    ]
    items = []
    for n in range(draw(st.integers(min_items, 12))):
        answer = draw(answers)
        items.append(
            ItemInput(
                f"i{n}",
                f"c{draw(st.integers(0, n_categories - 1))}",
                draw(st.integers(1, 5)),
                critical=draw(st.booleans()),
                required=draw(st.booleans()),
                answered=answer is not None,
                not_applicable=answer == "na",
                risk=None if answer in (None, "na") else answer,
            )
        )
    return categories, items


@deterministic
@given(assessments())
def test_it_always_scores_between_0_and_100(assessment):
    result = score(*assessment)
    for value in [result.score, *(c.score for c in result.categories)]:
        assert value is None or 0 <= value <= 100


@deterministic
@given(assessments())
def test_it_always_has_completeness_between_0_and_1(assessment):
    result = score(*assessment)
    assert 0 <= result.completeness <= 1
    assert result.provisional == (result.completeness < 1)


def rank(level):
    return LEVELS.index(level)


@deterministic
@given(assessments(min_items=1), st.data())
def test_it_never_lowers_a_score_or_level_for_a_riskier_answer(assessment, data):
    categories, items = assessment
    n = data.draw(st.integers(0, len(items) - 1), label="item")
    old_risk = data.draw(risks, label="old risk")
    # Riskier: a fraction t of the way from the old risk up to 1, or straight to "no".
    t = data.draw(st.fractions(0, 1, max_denominator=1000), label="t")
    new_risk = Fraction(str(old_risk)) + (1 - Fraction(str(old_risk))) * t
    new_risk = NO if data.draw(st.booleans(), label="answer no") else new_risk
    before_items, after_items = list(items), list(items)
    before_items[n] = replace(items[n], answered=True, not_applicable=False, risk=old_risk)
    after_items[n] = replace(items[n], answered=True, not_applicable=False, risk=new_risk)
    before, after = score(categories, before_items), score(categories, after_items)

    assert after.score >= before.score
    assert rank(after.level) >= rank(before.level)
    for old, new in zip(before.categories, after.categories, strict=True):
        if old.score is not None:
            assert new.score >= old.score
            assert rank(new.level) >= rank(old.level)
