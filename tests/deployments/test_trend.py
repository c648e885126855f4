"""The trend chart on a deployment's page: its geometry (pure) and the page that draws it."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.assessments.models import Revision as RevisionRow
from riskassess.deployments import trend
from riskassess.deployments.trend import NARROW, WIDE, Revision, trend_chart, y_of
from riskassess.present import LEVEL_COLOURS
from tests.deployments.factories import add_revision, make_assessment, make_deployment

START = datetime(2024, 3, 1, 9, tzinfo=UTC)


def rev(days: int, number=1, score=50.0, level="medium", *, assessment="Launch", **fields):
    at = START + timedelta(days=days)
    return Revision(assessment, assessment, number, at, score, level, **fields)


# --- Geometry -------------------------------------------------------------------------------


def test_nothing_submitted_gives_no_chart():
    assert trend_chart([]) is None


def test_the_y_scale_puts_100_at_the_top_and_0_at_the_bottom():
    assert (y_of(100, WIDE), y_of(0, WIDE)) == (12, 212)
    assert y_of(62.5, WIDE) == 87.0
    assert y_of(50, NARROW) == 92.0
    chart = trend_chart([rev(0, score=25.0)])
    assert chart["wide"]["points"][0]["y"] == 162.0
    assert [t["y"] for t in chart["wide"]["ticks"]] == [212, 172, 132, 92, 52, 12]


def test_revisions_of_all_assessments_are_on_one_timeline_by_submission():
    revisions = [
        rev(30, 2, 40.0, assessment="Launch"),
        rev(10, 1, 70.0, "high", assessment="Re-assessment"),
        rev(0, 1, 20.0, "low", assessment="Launch"),
    ]
    chart = trend_chart(revisions)
    assert [(r["assessment"], r["number"]) for r in chart["rows"]] == [
        ("Launch", 1),
        ("Re-assessment", 1),
        ("Launch", 2),
    ]
    points = chart["wide"]["points"]
    assert [p["y"] for p in points] == [y_of(20, WIDE), y_of(70, WIDE), y_of(40, WIDE)]
    assert points[0]["x"] < points[1]["x"] < points[2]["x"]
    assert chart["wide"]["lines"] == [" ".join(f"{p['x']},{p['y']}" for p in points)]
    # Launch's r2 would sit beside Re-assessment's r1: with two assessments, dates alone.
    assert [label["revision"] for label in chart["wide"]["labels"]] == ["", "", ""]
    assert chart["wide"]["height"] == 212 + 26  # one line of labels under the plot, not two
    assert [label["date"] for label in chart["wide"]["labels"]] == [
        "1 Mar 2024",
        "11 Mar 2024",
        "31 Mar 2024",
    ]


def test_the_same_moment_is_ordered_by_revision_number():
    chart = trend_chart([rev(0, 2), rev(0, 1)])
    assert [r["number"] for r in chart["rows"]] == [1, 2]


def test_a_revision_with_no_score_breaks_the_line_and_says_so():
    chart = trend_chart([rev(0, 1), rev(1, 2), rev(2, 3, None, ""), rev(3, 4), rev(4, 5)])
    points = chart["wide"]["points"]
    assert points[2]["y"] is None
    assert points[2]["title"] == "3 Mar 2024, Launch revision 3: no score"
    assert chart["rows"][2]["score"] == "no score"
    assert len(chart["wide"]["lines"]) == 2
    assert all(f"{points[2]['x']}," not in line for line in chart["wide"]["lines"])


def test_one_revision_is_one_point_in_the_middle_with_no_line():
    chart = trend_chart([rev(0, score=62.5, level="high")])
    wide = chart["wide"]
    assert len(wide["points"]) == 1 and wide["lines"] == []
    assert wide["points"][0]["x"] == WIDE.left + WIDE.plot_width / 2
    assert [label["revision"] for label in wide["labels"]] == ["r1"]
    assert wide["height"] == 212 + 40
    assert chart["summary"] == (
        "Risk score (0 to 100) of 1 revision, submitted 1 Mar 2024; the latest: 62.5 (High)."
    )


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
def test_sixty_revisions_fit_and_their_labels_are_thinned(size):
    chart = trend_chart([rev(n, n + 1, float(n)) for n in range(60)])
    drawn = chart["wide" if size is WIDE else "narrow"]
    xs = [p["x"] for p in drawn["points"]]
    assert len(xs) == 60
    assert size.left < min(xs) and max(xs) < size.width - size.right
    labels = drawn["labels"]
    assert 2 <= len(labels) < 60
    assert labels[-1]["revision"] == "r60"  # the newest is always labelled, under its point
    assert labels[-1]["x"] == xs[-1]
    centres = [label["x"] for label in labels]
    assert all(b - a >= trend.LABEL_SPACE for a, b in itertools.pairwise(centres))
    half = trend.LABEL_SPACE / 2
    assert all(half <= x <= size.width - half for x in centres)


def test_a_few_revisions_are_all_labelled_on_the_wide_chart():
    chart = trend_chart([rev(n, n + 1) for n in range(5)])
    assert [label["revision"] for label in chart["wide"]["labels"]] == [
        "r1",
        "r2",
        "r3",
        "r4",
        "r5",
    ]


def test_points_are_coloured_by_level_and_provisional_ones_are_hollow():
    chart = trend_chart([rev(0, 1, 80.0, "critical"), rev(1, 2, 30.0, "", provisional=True)])
    first, second = chart["wide"]["points"]
    assert (first["colour"], first["hollow"]) == (LEVEL_COLOURS["critical"], False)
    assert (second["colour"], second["hollow"]) == (LEVEL_COLOURS[None], True)
    assert second["title"].endswith("30.0 (Not assessed), provisional")


# --- The page -------------------------------------------------------------------------------


@pytest.fixture
def deployment(team, alice):
    return make_deployment(team, owner=alice)


def url(deployment) -> str:
    return reverse("deployments:detail", args=[deployment.pk])


def trend_svgs(body: str) -> list[str]:
    return re.findall(r'<svg[^>]*class="ra-trend.*?</svg>', body, re.S)


def trend_rows(body: str) -> list[list[str]]:
    rows = re.findall(r'<tr data-testid="trend-row">(.*?)</tr>', body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in rows
    ]


def test_the_page_draws_one_point_per_revision_and_lists_them(client, vera, deployment):
    first = make_assessment(deployment, title="Launch review", submitted=True)
    add_revision(first, at=START, level="low", score=12.5)
    add_revision(first, at=START + timedelta(days=40), level="high", score=55.0)
    second = make_assessment(deployment, title="Re-assessment", submitted=True)
    add_revision(second, at=START + timedelta(days=20), level="critical", score=81.0)
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    wide, narrow = trend_svgs(body)
    for svg in (wide, narrow):
        assert svg.count('class="trend-point"') == 3
        assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert trend_rows(body) == [
        ["1 Mar 2024", "Launch review", "1", "12.5", "Low", "no"],
        ["21 Mar 2024", "Re-assessment", "1", "81.0", "Critical", "no"],
        ["10 Apr 2024", "Launch review", "2", "55.0", "High", "no"],
    ]


def test_no_score_and_provisional_revisions_are_said_in_the_table(client, vera, deployment):
    assessment = make_assessment(deployment, submitted=True)
    add_revision(assessment, at=START, level="", score=None)
    provisional = add_revision(assessment, at=START + timedelta(days=1), score=40.0)
    RevisionRow.objects.filter(pk=provisional.pk).update(provisional=True)
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    assert trend_rows(body) == [
        ["1 Mar 2024", "Support bot", "1", "no score", "Not assessed", "no"],
        ["2 Mar 2024", "Support bot", "2", "40.0", "High", "yes, provisional"],
    ]
    wide = trend_svgs(body)[0]
    assert wide.count('class="trend-point"') == 1 and wide.count('class="trend-gap"') == 1
    assert 'fill="#fff" stroke="#c2410c"' in wide  # hollow, in the level's colour


def test_a_deployment_never_submitted_has_a_sentence_not_a_chart(client, vera, deployment):
    make_assessment(deployment)
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    assert trend_svgs(body) == []
    assert "No revision submitted yet: the trend starts with the first submission." in body


def test_the_chart_adds_no_query_however_many_revisions(client, vera, team):
    def queries(revisions: int) -> int:
        deployment = make_deployment(team, name=f"Bot with {revisions}")
        for n in range(revisions):
            assessment = make_assessment(deployment, title=f"Review {n}", submitted=True)
            add_revision(assessment, at=START + timedelta(days=n), score=float(n))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(deployment))
        assert len(trend_svgs(response.content.decode())) == 2
        return len(captured)

    client.force_login(vera)
    assert queries(1) == queries(10)
