"""Assessments answered the way real teams answer them, for the PDF tests and bench/bench_pdf.py.

Plain functions rather than fixtures, so that the benchmark (which runs outside
pytest) builds the very same data as the tests.
"""

from __future__ import annotations

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Checklist
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate

# Mostly "yes", with the partial answers, gaps and exclusions a real review finds.
ANSWER_CYCLE = [
    "yes",
    "partly",
    "yes",
    "no",
    "yes",
    "partly",
    "na",
    "yes",
    "unknown",
    "yes",
    "partly",
    "yes",
]
COMMENTS = {
    "yes": [
        "Covered by the launch review of March; the evidence is in the model card, section 4.",
        "Done for every release since 2.0. Results and sign-off are in the release checklist.",
        "",
    ],
    "partly": [
        "Evaluated on English and Spanish only; French and German are planned for Q3.",
        "A first pass was done by the product team. The external red team starts next month "
        "and will repeat the test with the adversarial prompt set from the security review.",
    ],
    "no": [
        "Not started. Owner: platform team; target date before general availability.",
        "We rely on the provider for this and have not checked their claims ourselves.",
    ],
    "unknown": ["Nobody on the team could tell; asked the provider, waiting for an answer."],
    "na": ["The model is served by the provider: we run no hardware of our own."],
}


def make_assessment(user, team, checklist: Checklist, **details) -> Assessment:
    """A new draft, fetched back through the access-checked getter as views do."""
    values = {
        "title": "Customer-support assistant",
        "model_name": "support-bot 2.3",
        "base_model": "an open-weights 70B chat model",
        "context": "Public-facing, EU and US customers, English and Spanish.",
        **details,
    }
    created = services.create_assessment(user=user, team=team, checklist=checklist, **values)
    return get_assessment_for_user(user, created.pk)


def answer(assessment: Assessment, user, key: str, option: str, comment: str = "") -> None:
    services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=0,
        user=user,
    )


def answer_realistically(
    assessment: Assessment,
    user,
    *,
    leave_unanswered: int = 0,
    overrides: dict[str, tuple[str, str]] | None = None,
) -> None:
    """Answer every item (but the last `leave_unanswered`) with a mix of answers and comments.

    `overrides` maps item keys to (option, comment) to answer those items differently.
    """
    overrides = overrides or {}
    items = assessment_data(assessment)["items"]
    for index, item in enumerate(items[: len(items) - leave_unanswered]):
        keys = [o["key"] for o in item["options"]]
        option = ANSWER_CYCLE[index % len(ANSWER_CYCLE)]
        if option not in keys:
            option = keys[index % len(keys)]
        comments = COMMENTS.get(option) or COMMENTS["partly"]
        option, comment = overrides.get(item["key"], (option, comments[index % len(comments)]))
        answer(assessment, user, item["key"], option, comment or "")


def synthetic_spec(items: int, *, categories: int = 4, slug: str | None = None):
    """A valid checklist spec with `items` items spread over `categories` categories."""
    per_category = -(-items // categories)
    data = {
        "slug": slug or f"synthetic-{items}",
        "name": f"Synthetic checklist with {items} items",
        "version": 1,
        "source": "Bommasani et al. (2021), arXiv:2108.07258",
        "thresholds": {"medium": 25, "high": 50, "critical": 75},
        "scale": [
            {"key": "yes", "label": "Yes", "risk": 0.0},
            {"key": "partly", "label": "Partly", "risk": 0.5},
            {"key": "no", "label": "No", "risk": 1.0},
            {"key": "unknown", "label": "Don't know", "risk": 1.0},
            {"key": "na", "label": "Not applicable", "not_applicable": True},
        ],
        "categories": [],
    }
    made = 0
    for c in range(categories):
        count = min(per_category, items - made)
        if count <= 0:
            break
        data["categories"].append(
            {
                "key": f"cat{c + 1}",
                "name": f"Synthetic category {c + 1}",
                "reference": f"§5.{c + 1}",
                "description": "A category of generated items for measuring the PDF renderer.",
                "items": [
                    {
                        "key": f"S{c + 1}-{n + 1:03}",
                        "question": (
                            f"Have you checked synthetic control number {n + 1} of category "
                            f"{c + 1} against the deployed configuration and kept the evidence?"
                        ),
                        "guidance": "Keep the test set, the results and the follow-up actions.",
                        "mitigation": (
                            "Run the check against the deployed configuration, record the "
                            "results and fix the failures before the next release."
                        ),
                        "reference": f"§5.{c + 1}",
                        "weight": 1 + (n % 5),
                        "critical": n % 17 == 0,
                    }
                    for n in range(count)
                ],
            }
        )
        made += count
    return validate(data)


def synthetic_checklist(items: int, *, categories: int = 4) -> Checklist:
    return load_checklist(synthetic_spec(items, categories=categories))[0]
