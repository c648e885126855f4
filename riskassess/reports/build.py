"""The report as plain data, built once: the results page, the PDF, the JSON,
the CSV and the XLSX are all rendered from it, so they always agree (contracts.md §5).

Every query happens here; the renderers only read the dictionary. The content
itself comes from assessments/reportdata.py: a draft's is built from its live
answers on every call, a submitted revision's is the one frozen when it was
submitted (assessments/revisions.py), read back as it was.

The report comes back as a `Report`: the very dictionary the JSON export
writes, carrying beside it (`.data`, never exported or fingerprinted) the
assessment data it was built from, a revision's frozen snapshot. A format-2
report's page, PDF and spreadsheets need it to word conditions with the
profile's questions and options and to name the level matrix's cell
(present_v2.py), which the report data does not hold.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from riskassess.actions.projection import projection
from riskassess.assessments import review, revisions
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Assessment, Revision
from riskassess.assessments.reportdata import (  # noqa: F401 - the report's API, re-exported
    CITATION,
    SCHEMA,
    TOP_FINDINGS,
    collect_evidence,
    collect_sections,
    fingerprint,
    report_from_data,
)


class Report(dict):
    """A report (a plain dict, exactly what the JSON export writes) and, as `.data`,
    the assessment data it was built from, or None when it is not known."""

    def __init__(self, report: dict, data: dict | None = None):
        super().__init__(report)
        self.data = data


def _flag_expired(report: dict) -> dict:
    """Evidence expired on the day the report is generated: not part of its content (a
    revision's evidence expires after it was submitted), listed beside it."""
    today = timezone.localdate().isoformat()
    report["evidence_expired"] = [
        {"item": item["key"], "id": piece["id"], "name": piece["name"],
         "expires_on": piece["expires_on"]}
        for item in report["items"]
        for piece in item.get("evidence", ())
        if piece.get("expires_on") and piece["expires_on"] < today
    ]  # fmt: skip
    return report


def build_report(
    assessment: Assessment, *, revision: Revision | None = None, now: datetime | None = None
) -> Report:
    """The report of an assessment fetched with select_related("team", "checklist").

    With `revision` (one of the assessment's), that revision's frozen report.
    Without it: a submitted assessment's latest revision, or a draft's live report.
    """
    timeline = revisions.timeline(assessment)
    if revision is None and assessment.state.frozen and timeline:
        revision = timeline[-1]
    if revision is not None:
        placed = next(r for r in timeline if r.pk == revision.pk)
        if {"report", "snapshot"} & revision.get_deferred_fields():
            revision = Revision.objects.select_related("review").get(pk=revision.pk)
        report = revisions.revision_report(
            revision, count=len(timeline), superseded_at=placed.superseded_at, now=now
        )
        report["projection"] = projection(report, revision.snapshot)
        return Report(_flag_expired(report), revision.snapshot)
    events = revisions.event_rows(assessment.events.all())
    details = revisions.details_of(
        assessment, status=assessment.status, submitted_at=assessment.submitted_at
    )
    data = assessment_data(assessment)
    report = report_from_data(
        data,
        details,
        events=events,
        now=now,
        evidence=collect_evidence(assessment),
        sections=collect_sections(assessment),
    )
    # A draft after reopening is on its way to the next revision.
    report["record"] = {"revision": None, "revisions": len(timeline), "current": True}
    if timeline and timeline[-1].review_requested:
        # Sent back or withdrawn: the reviewer's notes stay in view while the team fixes.
        report["record"]["last_review"] = {
            "revision": timeline[-1].number,
            **review.record(timeline[-1]),
        }
    report["projection"] = projection(report, data)
    return Report(_flag_expired(report), data)
