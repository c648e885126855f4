"""What brings a deployment's next review forward: a change of its model version or base
model, and its base model superseded; stored (Deployment.review_due) for the dashboard."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.deployments.models import Deployment
from riskassess.deployments.review import add_months, next_review
from riskassess.deployments.services import significant_change
from tests.deployments.factories import (
    add_revision,
    make_assessment,
    make_base_model,
    make_deployment,
)
from tests.deployments.test_admin import change_url, staff_user
from tests.deployments.test_edit import data

TODAY = date(2026, 6, 15)


def test_a_change_since_the_latest_submission_brings_the_date_forward_to_its_day():
    result = next_review(
        today=TODAY,
        last_submitted=date(2026, 1, 10),
        review_months=12,
        changed=("model version changed", date(2026, 3, 1)),
    )
    assert (result.state, result.due) == ("overdue", date(2026, 3, 1))
    assert result.needs_reassessment and result.changed.what == "model version changed"


def test_without_a_change_the_interval_decides():
    result = next_review(today=TODAY, last_submitted=date(2026, 1, 10), review_months=12)
    assert result.due == date(2027, 1, 10) and not result.needs_reassessment


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        (
            ("bot 1", "Llama 3"),
            ("bot 2", "Llama 3"),
            "model version changed from “bot 1” to “bot 2”",
        ),
        (("bot 1", "Llama 3"), ("bot 1", "Mistral Large"), "base model changed from “Llama 3”"),
        (("bot 1", "llama 3 "), ("Bot 1", "Llama 3"), ""),  # case and spaces: the same
        (("bot 1", ""), ("bot 1", "Llama 3"), "base model changed from “—” to “Llama 3”"),
    ],
)
def test_what_counts_as_a_significant_change(before, after, said):
    text = significant_change(
        {"model": before[0], "base": before[1]}, {"model": after[0], "base": after[1]}
    )
    assert said in text if said else text == ""


@pytest.fixture
def reviewed(team, alice):
    """Submitted 30 days ago: next review in 11 months."""
    deployment = make_deployment(team, owner=alice)
    add_revision(
        make_assessment(deployment, submitted=True), at=timezone.now() - timedelta(days=30)
    )
    deployment.refresh_from_db()
    return deployment


def test_a_new_model_version_makes_it_due_now_with_the_reason_on_its_page(client, bob, reviewed):
    assert reviewed.review_due > timezone.localdate()
    client.force_login(bob)
    edit = reverse("deployments:edit", args=[reviewed.pk])
    assert client.post(edit, data(reviewed, model_name="support-bot 3.0")).status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.review_due == timezone.localdate()
    assert (
        "model version changed from “support-bot 2.3” to “support-bot 3.0”" in reviewed.change_note
    )
    body = client.get(reverse("deployments:detail", args=[reviewed.pk])).content.decode()
    assert "Re-assessment needed:</strong> model version changed from" in body
    dashboard = client.get(reverse("dashboard"), {"due": "now"})
    assert [r.deployment.pk for r in dashboard.context["rows"]] == [reviewed.pk]
    assert "Model changed" in dashboard.content.decode()


def test_picking_the_catalogue_entry_of_the_typed_base_model_is_no_change(client, bob, team):
    base = make_base_model(provider="Meta", name="Llama 3")
    deployment = make_deployment(team, base_model_text="Meta Llama 3", owner=bob)
    add_revision(make_assessment(deployment, submitted=True))
    deployment.refresh_from_db()
    due = deployment.review_due
    client.force_login(bob)
    edit = reverse("deployments:edit", args=[deployment.pk])
    assert client.post(edit, data(deployment, base_model=base.pk)).status_code == 302
    deployment.refresh_from_db()
    assert deployment.base_model == base
    assert (deployment.change_note, deployment.review_due) == ("", due)


def test_another_base_model_is_a_change(client, bob, reviewed):
    client.force_login(bob)
    other = make_base_model(provider="Mistral", name="Large 2")
    edit = reverse("deployments:edit", args=[reviewed.pk])
    assert client.post(edit, data(reviewed, base_model=other.pk)).status_code == 302
    reviewed.refresh_from_db()
    assert "base model changed" in reviewed.change_note
    assert reviewed.review_due == timezone.localdate()


def test_a_submission_after_the_change_takes_it_into_account(client, bob, reviewed):
    client.force_login(bob)
    edit = reverse("deployments:edit", args=[reviewed.pk])
    client.post(edit, data(reviewed, model_name="support-bot 3.0"))
    later = timezone.now() + timedelta(seconds=1)
    add_revision(make_assessment(reviewed, submitted=True), at=later)
    reviewed.refresh_from_db()
    assert reviewed.review_due == add_months(timezone.localdate(later), reviewed.review_months)
    body = client.get(reverse("deployments:detail", args=[reviewed.pk])).content.decode()
    assert "Re-assessment needed" not in body


def test_superseding_its_base_model_in_the_admin_moves_its_stored_review_date(client, team):
    older, newer = make_base_model(name="Llama 3 70B"), make_base_model(name="Llama 3.1 70B")
    deployment = make_deployment(team, base_model=older)
    add_revision(
        make_assessment(deployment, submitted=True), at=datetime(2024, 3, 1, 12, tzinfo=UTC)
    )
    make_deployment(team, "Elsewhere")  # on no base model: unmoved
    deployment.refresh_from_db()
    assert deployment.review_due == date(2025, 3, 1)
    client.force_login(staff_user("cora", "edit_catalogue"))
    fields = {"provider": "Meta", "name": "Llama 3 70B", "version": "", "superseded_by": newer.pk}
    response = client.post(change_url(older), {**fields, "superseded_at": "2024-07-23"})
    assert response.status_code == 302
    deployment.refresh_from_db()
    assert deployment.review_due == date(2024, 7, 23)
    # A supersession given no day is dated the day it is recorded.
    response = client.post(change_url(older), {**fields, "superseded_at": ""})
    older.refresh_from_db()
    assert older.superseded_at == timezone.localdate()
    deployment.refresh_from_db()
    assert deployment.review_due == date(2025, 3, 1)  # the interval came first
    assert Deployment.objects.get(name="Elsewhere").review_due == timezone.localdate()
