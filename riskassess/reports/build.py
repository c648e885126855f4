"""The report as plain data, built once: the results page, the PDF, the JSON,
the CSV and the XLSX are all rendered from it, so they always agree (contracts.md §5).

Every query happens here; the renderers only read the dictionary. The content
itself comes from assessments/reportdata.py: a draft's is built from its live
answers on every call, a submitted revision's is the one frozen when it was
submitted (assessments/revisions.py), read back as it was.
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


def build_report(
    assessment: Assessment, *, revision: Revision | None = None, now: datetime | None = None
) -> dict:
    """The report of an assessment fetched with select_related("team", "checklist").

    With `revision` (one of the assessment's), that revision's frozen report.
    Without it: a submitted assessment's latest revision, or a draft's live report.
    """
    timeline = revisions.timeline(assessment)
    if revision is None and assessment.state.frozen and timeline:
        revision = timeline[-1]
    if revision is not None:
        placed = next(r for r in timeline if r.pk == revision.pk)
        if not hasattr(revision, "report") or "report" in revision.get_deferred_fields():
            revision = Revision.objects.get(pk=revision.pk)
        return revisions.revision_report(
            revision, count=len(timeline), superseded_at=placed.superseded_at, now=now
        )
    events = revisions.event_rows(assessment.events.all())
    details = revisions.details_of(
        assessment, status=assessment.status, submitted_at=assessment.submitted_at
    )
    report = report_from_data(assessment_data(assessment), details, events=events, now=now)
    # A draft after reopening is on its way to the next revision.
    report["record"] = {"revision": None, "revisions": len(timeline), "current": True}
    return report
