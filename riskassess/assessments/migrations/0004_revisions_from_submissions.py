"""Every past submission becomes a Revision, with the report its PDF printed then.

Before revisions, each "submitted" Event kept the data it was submitted with,
and the report was built on demand from the assessment. A printed report's
fingerprint covered the details and events as they were when it was printed,
so the report of each submission is rebuilt here as the code of the time built
it: the details as recorded in the assessment's history at that submission,
the events up to and including it, no `revision` part. The currently
submitted one therefore keeps the fingerprint its PDF printed, and verifies.

The event keeps a summary (revision, score, level, fingerprint) and the data
moves to the revision; reversing puts the data back. Nothing is lost.

The report builder is the application's own (assessments.reportdata): it must
produce what the code of the time produced, which it does at this migration's
version; on a new database there is nothing to convert.
"""

from django.db import migrations

from riskassess.assessments.reportdata import UNSIGNED, report_from_data


def _details(assessment, record, submitted_at):
    source = record or assessment
    return {
        "id": str(assessment.pk),
        "title": source.title,
        "model": source.model_name,
        "base_model": source.base_model,
        "context": source.context,
        "team": assessment.team.name,
        "status": "submitted",
        "created_at": assessment.created_at.isoformat(),
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
    }


def _event_row(event):
    return {"kind": event.kind, "user": event.username, "at": event.at.isoformat(), "note": event.note}


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    HistoricalAssessment = apps.get_model("assessments", "HistoricalAssessment")
    Event = apps.get_model("assessments", "Event")
    Revision = apps.get_model("assessments", "Revision")

    submitted_ids = (
        Event.objects.filter(kind="submitted").values_list("assessment_id", flat=True).distinct()
    )
    for assessment in Assessment.objects.filter(pk__in=list(submitted_ids)).select_related(
        "team"
    ):
        events = list(Event.objects.filter(assessment=assessment).order_by("at", "pk"))
        submissions = [e for e in events if e.kind == "submitted"]
        for number, event in enumerate(submissions, start=1):
            latest = number == len(submissions) and assessment.status == "submitted"
            if latest and assessment.snapshot:
                snapshot, record = assessment.snapshot, None
                submitted_at = assessment.submitted_at or event.at
            else:
                snapshot = event.data
                record = (
                    HistoricalAssessment.objects.filter(
                        id=assessment.pk, status="submitted", history_date__lte=event.at
                    )
                    .order_by("-history_date", "-history_id")
                    .first()
                )
                submitted_at = (record.submitted_at if record else None) or event.at
            if not isinstance(snapshot, dict) or "items" not in snapshot:
                # No data was kept for this submission: nothing to make a revision of.
                continue
            upto = events[: events.index(event) + 1]
            report = report_from_data(
                snapshot,
                _details(assessment, record, submitted_at),
                events=[_event_row(e) for e in upto],
            )
            revision = Revision.objects.create(
                assessment=assessment,
                number=number,
                submitted_by_id=event.user_id,
                submitted_by_name=event.username,
                submitted_at=submitted_at,
                attestation="",
                snapshot=snapshot,
                report={k: v for k, v in report.items() if k not in UNSIGNED},
                fingerprint=report["fingerprint"],
                score=report["overall"]["score"],
                level=report["overall"]["level"] or "",
                provisional=report["overall"]["provisional"],
            )
            event.data = {
                "revision": revision.number,
                "score": revision.score,
                "level": revision.level,
                "fingerprint": revision.fingerprint,
            }
            event.save(update_fields=["data"])


def backwards(apps, schema_editor):
    Event = apps.get_model("assessments", "Event")
    Revision = apps.get_model("assessments", "Revision")
    for revision in Revision.objects.all():
        Event.objects.filter(
            assessment_id=revision.assessment_id,
            kind="submitted",
            data__revision=revision.number,
        ).update(data=revision.snapshot)
    Revision.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_revisions"), ("accounts", "0003_team_attestation")]

    operations = [migrations.RunPython(forwards, backwards)]
