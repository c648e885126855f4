"""Assessments answered the way real teams answer them, for the PDF tests and bench/bench_pdf.py.

Plain functions rather than fixtures, so that the benchmark (which runs outside
pytest) builds the very same data as the tests.
"""

from __future__ import annotations

from riskassess.accounts.models import Membership, Role, User
from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import COMMENT_MAX, CONTEXT_MAX, TITLE_MAX, Assessment, Event
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


# --- Every field at its maximum, with the characters that cost WeasyPrint the most ------------

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl


def worst_text(kind: str, size: int) -> str:
    """`size` characters of one kind of text that is slow to lay out when printed as typed."""
    return {
        "line breaks": "x" + "\n" * (size - 2) + "y",
        "blank lines with spaces": ("a\n \t\n" * size)[:size],
        "short lines": ("line\n" * size)[:size],
        "combining marks": "e" + "\u0301" * (size - 1),
        "marks on every letter": ("Z" + "\u0324\u0354\u0367\u0311\u0313" * 6) * size,
        "modifier symbols": "\u02dc" * size,
        "ascii symbols": "^" * size,
        "no-break spaces": "a\u00a0" * size,
        "emoji sequences": FAMILY * size,
        "one joined chain": ("\U0001f468\u200d" * size),
        "cjk": "漢字テスト" * size,
        "arabic with marks": "\u0628\u0650\u0633\u0652\u0645\u0650" * size,
        "one long word": "".join(chr(ord("a") + n % 26) for n in range(size)),
        "line separators": "a\u2028" * size,
    }[kind][:size]


WORST_KINDS = [
    "line breaks",
    "combining marks",
    "modifier symbols",
    "emoji sequences",
    "blank lines with spaces",
    "short lines",
    "marks on every letter",
    "ascii symbols",
    "no-break spaces",
    "one joined chain",
    "cjk",
    "arabic with marks",
    "one long word",
    "line separators",
]


def answer_at_the_limits(user, team, checklist: Checklist) -> Assessment:
    """A draft whose every printed field is at its maximum length, in the worst characters.

    Title, model and base model at TITLE_MAX, context at CONTEXT_MAX, the team
    name, the answering editor's username and the event notes at their
    maximum, and every item answered with a comment of COMMENT_MAX characters,
    the kinds of `worst_text` taking turns. The answers are "no" where the item
    has it, so that every mitigation is printed too.
    """
    team.name = worst_text("combining marks", 200)
    team.save()
    # A modifier symbol that NFKC, which create_user applies, leaves at 150 characters.
    editor = User.objects.create_user("\u02c2" * 150)
    Membership.objects.create(team=team, user=editor, role=Role.EDITOR)
    assessment = make_assessment(
        user,
        team,
        checklist,
        title=worst_text("combining marks", TITLE_MAX),
        model_name=worst_text("emoji sequences", TITLE_MAX),
        base_model=worst_text("line breaks", TITLE_MAX),
        context=worst_text("short lines", CONTEXT_MAX),
    )
    for index, item in enumerate(assessment_data(assessment)["items"]):
        keys = [o["key"] for o in item["options"]]
        option = "no" if "no" in keys else keys[-1]
        comment = worst_text(WORST_KINDS[index % len(WORST_KINDS)], COMMENT_MAX)
        answer(assessment, editor, item["key"], option, comment)
    for kind in WORST_KINDS[:4]:
        Event.objects.create(
            assessment=assessment,
            kind=Event.Kind.REOPENED,
            user=editor,
            username=editor.username,
            note=worst_text(kind, 500),
        )
    return get_assessment_for_user(user, assessment.pk)
