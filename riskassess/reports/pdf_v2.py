"""What the PDF prints of a format-2 report, beside what pdf_context.py prepares for any report.

From present_v2.presentation (the same wording as the results page): the
profile and impact section and the level matrix with this assessment's cell
(templates/reports/pdf/_v2_profile.html), the items skipped by rule with their
reasons (_v2_skipped.html), the framework coverage appendix (_v2_coverage.html)
and the method's additions (_v2_method.html). Every text goes through
pdf_text's `printable` or `one_line`, as the rest of the report does, so what
a format-2 report costs to lay out stays bounded. For a /1 report `context`
gives {"v2": None} and the templates print what they printed before.
"""

from __future__ import annotations

from riskassess import present
from riskassess.reports import present_v2
from riskassess.reports.pdf_text import one_line, printable

SKIPPED_TONE = "skip"


def _printed_story(story: dict) -> dict:
    return {
        **story,
        "impact_sentence": printable(story["impact_sentence"]),
        "control_sentence": printable(story["control_sentence"]),
        "matrix_sentence": printable(story["matrix_sentence"]),
        "raised_sentence": printable(story["raised_sentence"]),
    }


def _printed_profile(rows: list[dict]) -> list[dict]:
    return [
        {
            **row,
            "key": one_line(row["key"]),
            "question": printable(row["question"]),
            "answer_text": printable(row["answer_text"]),
            # One label a line: the template prints them with white-space: pre-line.
            "labels_text": "\n".join(printable(label, lines=1) for label in row["labels"]),
        }
        for row in rows
    ]


def _printed_skipped(groups: list[dict]) -> list[dict]:
    return [
        {
            "category_name": one_line(group["category_name"]),
            "reason": printable(group["reason"]),
            "items": [
                {
                    **item,
                    "key": one_line(item["key"]),
                    "question": printable(item["question"]),
                    "category_name": one_line(item["category_name"]),
                    "answer_label": one_line(item["answer_label"]) or "— (a comment only)",
                }
                for item in group["items"]
            ],
        }
        for group in groups
    ]


def _printed_coverage(frameworks: list[dict]) -> list[dict]:
    printed = []
    for number, framework in enumerate(frameworks, start=1):
        requirements = [
            {
                **r,
                "id": one_line(r["id"]),
                "title": printable(r["title"], lines=3),
                "items_text": printable(r["items_text"], lines=3) or "—",
            }
            for r in framework["requirements"]
        ]
        printed.append(
            {
                **framework,
                "name": one_line(framework["name"]),
                "version": one_line(framework["version"]),
                "anchor": f"coverage-{number}",
                "summary": printable(framework["summary"], lines=1),
                "requirements": requirements,
                "not_covered": [r for r in requirements if r["status"] == "not covered"],
            }
        )
    return printed


def context(report: dict) -> dict:
    """The v2 part of the template's context: {"v2": None} for a /1 report."""
    shown = present_v2.presentation(report)
    if shown is None:
        return {"v2": None}
    tiers = present_v2.tiers_of(present_v2.data_of(report))
    return {
        "v2": {
            **shown,
            "story": _printed_story(shown["story"]),
            "profile": _printed_profile(shown["profile"]),
            "skipped": _printed_skipped(shown["skipped"]),
            "coverage": _printed_coverage(shown["coverage"]),
            "tiers": {name: f"{value:g}" for name, value in tiers.items()} if tiers else None,
            "tier_rows": [{"tier": name, "label": present.tier(name)} for name in present_v2.TIERS],
        }
    }


def item_figures(item: dict) -> tuple[str, ...]:
    """What a format-2 item adds to its figures line: its scope, when not the deployment."""
    if item.get("scope") == "base_model":
        return ("scope: base model",)
    return ()


def skipped_detail(item: dict, reason: str, allowance) -> str:
    """The lines under a skipped item: why it is skipped, and the answer it keeps, ignored."""
    figures = [present_v2.SKIPPED, f"Weight {item['weight']}"]
    if item["reference"]:
        figures.append(one_line(item["reference"]))
    figures += item_figures(item)
    lines = [" · ".join(figures)]
    if item["skipped_by"]["source"] == "item":
        lines.append(printable(reason))
    if present_v2.kept(item):
        label = one_line(item["answer_label"]) or "— (a comment only)"
        lines.append(f"Answer kept, ignored: {label}. It counts again if the profile changes back.")
    if item["comment"]:
        lines.append(f"Comment: {allowance.printable(item['comment'])}")
    return "\n".join(lines)


def category_reasons(report: dict, reasons: dict[str, str]) -> dict[str, str]:
    """Category key -> why the whole category is skipped, for categories skipped by rule."""
    return {
        item["category"]: printable(reasons[item["key"]])
        for item in report["items"]
        if item["key"] in reasons and item["skipped_by"]["source"] == "category"
    }
