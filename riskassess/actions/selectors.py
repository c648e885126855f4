"""What pages show of the action plan, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from riskassess.actions.models import ACTIVE, Action, Finding
from riskassess.assessments.models import Answer, Assessment, Revision
from riskassess.assessments.reportdata import finding_keys
from riskassess.present import day


@dataclass
class Row:
    """One finding on the Action plan tab."""

    item: dict  # the report's item row
    category_name: str
    finding: Finding | None
    actions: list[Action] = field(default_factory=list)
    reanswer: bool = False  # an action was completed after the item was last answered
    before: dict | None = None  # the item in the previous revision (previous_items)

    @property
    def key(self) -> str:
        return self.item["key"]

    @property
    def treatment(self) -> str:
        return str(self.finding.effective) if self.finding else "undecided"

    @property
    def open_actions(self) -> list[Action]:
        return [a for a in self.actions if a.is_active]

    @property
    def overdue(self) -> bool:
        return any(a.is_overdue for a in self.actions)


def _done_after_answer(actions: list[Action], answered_at: str | None) -> bool:
    done = [a.done_at for a in actions if a.done_at is not None and a.status == "done"]
    if not done:
        return False
    return answered_at is None or max(done) > datetime.fromisoformat(answered_at)


def previous_revision(deployment_id, report: dict) -> Revision | None:
    """The deployment's revision submitted before the one `report` is (for a draft's
    report: its newest), with its frozen report, or None: two queries."""
    order = list(
        Revision.objects.filter(assessment__deployment_id=deployment_id)
        .order_by("-submitted_at", "-pk")
        .values_list("pk", "fingerprint")
    )
    if "revision" in report:
        at = next(
            (i for i, (_, print_) in enumerate(order) if print_ == report["fingerprint"]), None
        )
        order = order[at + 1 :] if at is not None else []
    if not order:
        return None
    return (
        Revision.objects.select_related("assessment")
        .only("number", "submitted_at", "report", "assessment__title")
        .get(pk=order[0][0])
    )


def previous_items(revision: Revision | None) -> dict[str, dict]:
    """{item key: {"answer", "risk", "treatment"}} as the revision froze them."""
    if revision is None:
        return {}
    treatments = {t["item"]: t["treatment"] for t in revision.report.get("treatments", ())}
    return {
        i["key"]: {"answer": i["answer_label"], "risk": i["risk"],
                   "treatment": treatments.get(i["key"])}
        for i in revision.report.get("items", ())
    }  # fmt: skip


def plan_rows(deployment_id, report: dict, before: dict | None = None) -> list[Row]:
    """The report's findings (highest exposure first) with the live treatment and actions
    of the deployment: three queries whatever the number of findings. `before`: the
    items of the previous revision (previous_items), to show each finding's history."""
    items = {i["key"]: i for i in report["items"]}
    names = {c["key"]: c["name"] for c in report["categories"]}
    keys = finding_keys(report["items"])
    findings = {
        f.item_key: f
        for f in Finding.objects.filter(deployment_id=deployment_id, item_key__in=keys)
    }
    by_key: dict[str, list[Action]] = {}
    for action in (
        Action.objects.filter(deployment_id=deployment_id, findings__item_key__in=keys)
        .distinct()
        .select_related("owner")
        .prefetch_related("findings")
    ):
        action.item_keys = sorted(f.item_key for f in action.findings.all())
        for key in action.item_keys:
            if key in items:
                by_key.setdefault(key, []).append(action)
    rows = []
    for key in keys:
        item = items[key]
        actions = by_key.get(key, [])
        rows.append(
            Row(
                item=item,
                category_name=names.get(item["category"], item["category"]),
                finding=findings.get(key),
                actions=actions,
                reanswer=_done_after_answer(actions, item.get("answered_at")),
                before=(before or {}).get(key),
            )
        )
    return rows


def summary(rows: list[Row]) -> dict:
    """Counts for the plan's header."""
    actions = {a.pk: a for row in rows for a in row.actions}.values()
    return {
        "findings": len(rows),
        "undecided": sum(1 for r in rows if r.treatment == "undecided"),
        "mitigate": sum(1 for r in rows if r.treatment == "mitigate"),
        "accept": sum(1 for r in rows if r.treatment == "accept"),
        "open": sum(1 for a in actions if a.is_active),
        "overdue": sum(1 for a in actions if a.is_overdue),
        "reanswer": sum(1 for r in rows if r.reanswer),
    }


def finding_history(deployment_id, item_key: str) -> list[dict]:
    """The item's answer in each submitted revision of the deployment, oldest first: one query.

    Read from the revisions' frozen reports, so it says what was submitted then.
    """
    history = []
    for revision in (
        Revision.objects.filter(assessment__deployment_id=deployment_id)
        .select_related("assessment")
        .only("number", "submitted_at", "report", "assessment__title", "assessment__created_at")
        .order_by("submitted_at", "pk")
    ):
        item = next((i for i in revision.report.get("items", ()) if i["key"] == item_key), None)
        treatment = next(
            (t for t in revision.report.get("treatments", ()) if t["item"] == item_key), None
        )
        history.append(
            {
                "assessment": revision.assessment,
                "number": revision.number,
                "submitted_at": revision.submitted_at,
                "answer": item["answer_label"] if item else None,
                "risk": item["risk"] if item else None,
                "asked": item is not None,
                "treatment": treatment["treatment"] if treatment else None,
            }
        )
    return history


def reanswer_keys(assessment: Assessment) -> set[str]:
    """Items of the assessment whose action was completed after they were last answered
    (the questionnaire's "action completed, re-answer" flag): one query, the first
    time a page asks; kept on the instance for the rest of it."""
    cached = getattr(assessment, "_reanswer_keys", None)
    if cached is not None:
        return cached
    answered = Answer.objects.filter(
        assessment_id=assessment.pk, item__key=OuterRef("findings__item_key")
    ).values("updated_at")[:1]
    keys = set()
    for key, done_at, answered_at in (
        Action.objects.filter(deployment_id=assessment.deployment_id, status="done")
        .annotate(answered_at=Subquery(answered))
        .values_list("findings__item_key", "done_at", "answered_at")
    ):
        if key and done_at and (answered_at is None or answered_at < done_at):
            keys.add(key)
    assessment._reanswer_keys = keys
    return keys


def counts_by_deployment(deployment_ids) -> dict:
    """{deployment id: {"open": n, "overdue": n}} for the given deployments: one query."""
    today = timezone.localdate()
    rows = (
        Action.objects.filter(deployment_id__in=list(deployment_ids), status__in=ACTIVE)
        .values("deployment_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    return {r["deployment_id"]: {"open": r["open"], "overdue": r["overdue"]} for r in rows}


def my_actions(user) -> list[Action]:
    """The user's open and in-progress actions in teams they still belong to, the
    earliest due first: one query. Each has `deployment` and `plan_assessment` (the id
    of its deployment's newest assessment, whose Action plan tab lists it)."""
    current = Assessment.objects.filter(
        deployment_id=OuterRef("deployment_id"), is_current=True
    ).values("pk")[:1]
    return list(
        Action.objects.active()
        .filter(owner=user, deployment__team__memberships__user=user)
        .select_related("deployment")
        .annotate(plan_assessment=Subquery(current))
        .order_by("due_on", "created_at", "pk")
    )


def carried(deployment_id) -> dict:
    """{"open": open or in-progress actions, "accepted": acceptances in force}: two queries."""
    today = timezone.localdate()
    return {
        "open": Action.objects.active().filter(deployment_id=deployment_id).count(),
        "accepted": Finding.objects.filter(
            deployment_id=deployment_id, treatment="accept", accepted_at__isnull=False,
            expires_on__gte=today,
        ).count(),
    }  # fmt: skip


def plan_changes(deployment_id, limit: int = 30) -> list[dict]:
    """The newest changes of the deployment's plan (treatments and actions), from their
    history: two queries. Each: when, who, what ("action", "finding"), its name and how."""
    how = {"+": "created", "~": "changed", "-": "deleted"}
    rows = []
    for record in (
        Action.history.filter(deployment_id=deployment_id)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    ):
        rows.append({
            "at": record.history_date, "user": record.history_user,
            "what": "action", "name": record.title,
            "how": f"{how[record.history_type]}: {record.get_status_display().lower()}, "
                   f"owner {record.owner_name}, due {day(record.due_on)}",
        })  # fmt: skip
    for record in (
        Finding.history.filter(deployment_id=deployment_id)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    ):
        state = record.get_treatment_display().lower()
        if record.treatment == "accept":
            state = "acceptance accepted" if record.accepted_at else "acceptance proposed"
            state += f" until {day(record.expires_on)}" if record.expires_on else ""
        if record.lapsed_on:
            state += f" (an acceptance expired on {day(record.lapsed_on)})"
        rows.append({"at": record.history_date, "user": record.history_user,
                     "what": "finding", "name": record.item_key, "how": state})  # fmt: skip
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]
