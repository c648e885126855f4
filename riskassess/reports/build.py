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

from riskassess.assessments import revisions
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Assessment, Revision
from riskassess.assessments.reportdata import (  # noqa: F401 - the report's API, re-exported
    CITATION,
    SCHEMA,
    TOP_FINDINGS,
    fingerprint,
    report_from_data,
)


class Report(dict):
    """A report (a plain dict, exactly what the JSON export writes) and, as `.data`,
    the assessment data it was built from, or None when it is not known."""

    def __init__(self, report: dict, data: dict | None = None):
        super().__init__(report)
        self.data = data


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
            revision = Revision.objects.get(pk=revision.pk)
        report = revisions.revision_report(
            revision, count=len(timeline), superseded_at=placed.superseded_at, now=now
        )
        return Report(report, revision.snapshot)
    events = revisions.event_rows(assessment.events.all())
    details = revisions.details_of(
        assessment, status=assessment.status, submitted_at=assessment.submitted_at
    )
    data = assessment_data(assessment)
    report = report_from_data(data, details, events=events, now=now)
    # A draft after reopening is on its way to the next revision.
    report["record"] = {"revision": None, "revisions": len(timeline), "current": True}
    return Report(report, data)
