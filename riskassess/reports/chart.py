"""Geometry of the category bar chart, drawn as SVG by templates/reports/_chart.svg.

Computed here so the page and the PDF draw the very same chart, with no
JavaScript. Colours come from the fixed palette in riskassess/present.py, never from
user data.
"""

from __future__ import annotations

from riskassess.present import LEVEL_COLOURS

LABEL_WIDTH = 190
BAR_WIDTH = 400
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 24
LABEL_CHARS = 28


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(report: dict) -> dict:
    """Rows for each category and the overall score, plus threshold guide lines."""
    rows = [
        {"label": c["name"], "score": c["score"], "level": c["level"]} for c in report["categories"]
    ]
    rows.append(
        {
            "label": "Overall",
            "score": report["overall"]["score"],
            "level": report["overall"]["level"],
        }
    )
    drawn = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        score = row["score"]
        length = 0 if score is None else max(score / 100 * BAR_WIDTH, 1.5)
        drawn.append(
            {
                "title": row["label"],
                "label": _short(row["label"]),
                "bold": index == len(rows) - 1,
                "y": y,
                "text_y": y + BAR_HEIGHT / 2 + 4,
                "width": round(length, 1),
                "colour": LEVEL_COLOURS.get(row["level"], LEVEL_COLOURS[None]),
                "value": "not assessed" if score is None else f"{score:.1f}",
                "value_x": round(LABEL_WIDTH + length + 6, 1),
                "level": row["level"] or "not assessed",
            }
        )
    height = TOP + len(rows) * ROW_HEIGHT + 6
    guides = [
        {
            "name": name,
            "value": value,
            "x": round(LABEL_WIDTH + value / 100 * BAR_WIDTH, 1),
        }
        for name, value in report["method"]["thresholds"].items()
    ]
    return {
        "width": LABEL_WIDTH + BAR_WIDTH + 60,
        "height": height,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "axis_bottom": height - 4,
        "rows": drawn,
        "guides": guides,
    }
