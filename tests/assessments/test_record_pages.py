"""The record on the pages: archive instead of delete, the dashboard's archive filter,
the History's revisions, the statement on submit, the move to a newer checklist
version, and purging archived assessments (issue 11)."""

import dataclasses

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape

from riskassess.assessments import services
from riskassess.assessments.models import Answer, Assessment, Event, Purge, Revision
from riskassess.checklist.models import Status as ChecklistStatus
from riskassess.checklist.services import load_checklist
from tests.conftest import answer_all, new_assessment


@pytest.fixture
def submitted(assessment, alice):
    answer_all(assessment, alice)
    return services.submit(assessment=assessment, user=alice)


def test_a_submitted_assessment_offers_archive_not_delete(client, alice, submitted):
    client.force_login(alice)
    page = client.get(f"/a/{submitted.pk}/delete/").content.decode()
    assert "This assessment cannot be deleted" in page and "Archive instead" in page
    response = client.post(f"/a/{submitted.pk}/delete/", follow=True)
    assert "Not deleted" in response.content.decode()
    assert Assessment.objects.filter(pk=submitted.pk).exists()
    details = client.get(f"/a/{submitted.pk}/edit/").content.decode()
    assert f'action="/a/{submitted.pk}/archive/"' in details
    assert f'href="/a/{submitted.pk}/delete/"' not in details


def test_a_never_submitted_draft_is_deleted_after_confirmation(client, alice, assessment):
    client.force_login(alice)
    assert "Delete this assessment?" in client.get(f"/a/{assessment.pk}/delete/").content.decode()
    client.post(f"/a/{assessment.pk}/delete/")
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


def test_archived_assessments_leave_the_assessments_list_until_the_filter_asks(
    client, alice, submitted, team, checklist
):
    new_assessment(alice, team, checklist, title="Still active")
    client.force_login(alice)
    client.post(f"/a/{submitted.pk}/archive/", {"note": "deployment retired"})
    assert Assessment.objects.get(pk=submitted.pk).archived_at is not None
    default = client.get("/assessments/").content.decode()
    assert "Still active" in default and "Support bot" not in default
    only = client.get("/assessments/?archived=only").content.decode()
    assert "Support bot" in only and "Still active" not in only and "Submitted, archived" in only
    everything = client.get("/assessments/?archived=all").content.decode()
    assert "Support bot" in everything and "Still active" in everything
    # Still readable and downloadable while archived.
    assert client.get(f"/a/{submitted.pk}/results/").status_code == 200
    assert client.get(f"/a/{submitted.pk}/r/1/report.json").status_code == 200


def test_restoring_brings_it_back(client, alice, submitted):
    client.force_login(alice)
    client.post(f"/a/{submitted.pk}/archive/", {"note": ""})
    client.post(f"/a/{submitted.pk}/restore/")
    assert Assessment.objects.get(pk=submitted.pk).archived_at is None
    assert "Support bot" in client.get("/assessments/").content.decode()


def test_an_editor_cannot_archive(client, bob, submitted):
    client.force_login(bob)
    assert client.post(f"/a/{submitted.pk}/archive/").status_code == 403
    assert Assessment.objects.get(pk=submitted.pk).archived_at is None


def test_the_history_lists_revisions_with_score_level_and_fingerprint(client, vera, submitted):
    revision = Revision.objects.get(assessment=submitted)
    client.force_login(vera)
    page = client.get(f"/a/{submitted.pk}/history/").content.decode()
    assert "1 of 1" in page and revision.fingerprint in page
    assert f"/a/{submitted.pk}/r/1/report.pdf" in page and "Low" in page


def test_submitting_asks_for_the_teams_statement(client, alice, assessment, team):
    team.attestation = "I confirm these answers are accurate to the best of my knowledge."
    team.save()
    answer_all(assessment, alice)
    client.force_login(alice)
    page = client.get(f"/a/{assessment.pk}/edit/").content.decode()
    assert team.attestation in page and 'name="attest"' in page
    refused = client.post(f"/a/{assessment.pk}/submit/", follow=True).content.decode()
    assert "Not submitted: Confirm the statement to submit." in refused
    assert not Revision.objects.exists()
    client.post(f"/a/{assessment.pk}/submit/", {"attest": "on"})
    assert Revision.objects.get(assessment=assessment).attestation == team.attestation


def test_the_team_page_sets_the_statement(client, alice, vera, team):
    client.force_login(alice)
    client.post(f"/teams/{team.pk}/", {"action": "attestation", "attestation": "We confirm."})
    team.refresh_from_db()
    assert team.attestation == "We confirm."
    client.force_login(vera)
    response = client.post(f"/teams/{team.pk}/", {"action": "attestation", "attestation": ""})
    assert response.status_code == 403


@pytest.fixture
def reworded(default_spec, checklist):
    """Version 2 of the default checklist: its first item reworded, its second removed."""
    first = default_spec.categories[0]
    items = list(first.items)
    items[0] = dataclasses.replace(items[0], question="Reworded: " + items[0].question)
    del items[1]
    categories = [dataclasses.replace(first, items=items), *default_spec.categories[1:]]
    spec = dataclasses.replace(default_spec, version=2, categories=categories)
    return load_checklist(spec, status=ChecklistStatus.PUBLISHED)[0]


def test_the_upgrade_preview_lists_carried_to_confirm_and_removed(
    client, bob, assessment, reworded, default_spec
):
    answer_all(assessment, bob)
    first, second = default_spec.categories[0].items[:2]
    client.force_login(bob)
    page = client.get(f"/a/{assessment.pk}/upgrade/").content.decode()
    assert "Move from v1 to v2" in page
    assert escape(f"Reworded: {first.question}") in page
    assert second.key in page and "Answers to removed questions" in page
    assert Assessment.objects.get(pk=assessment.pk).checklist.version == 1


def test_the_upgrade_moves_the_draft_and_the_questionnaire_asks_to_confirm(
    client, bob, assessment, reworded, default_spec
):
    answer_all(assessment, bob)
    first, second = default_spec.categories[0].items[:2]
    client.force_login(bob)
    client.post(f"/a/{assessment.pk}/upgrade/", {"target": reworded.pk})
    moved = Assessment.objects.get(pk=assessment.pk)
    assert moved.checklist == reworded
    assert not Answer.objects.filter(assessment=moved, item__checklist__version=1).exists()
    event = Event.objects.get(assessment=moved, kind=Event.Kind.UPGRADED)
    assert event.data["removed"][0]["key"] == second.key
    page = client.get(f"/a/{moved.pk}/q/{default_spec.categories[0].key}/").content.decode()
    assert 'data-testid="to-confirm"' in page and escape(first.question) in page
    # Choosing an answer confirms it: it counts again.
    answer = Answer.objects.get(assessment=moved, item__key=first.key)
    services.save_answer(
        assessment=moved, item_key=first.key, option_key="yes", comment="",
        expected_version=answer.version, user=bob,
    )  # fmt: skip
    assert not Answer.objects.get(pk=answer.pk).to_confirm


def test_an_upgrade_from_a_stale_preview_is_refused(client, bob, assessment, reworded):
    client.force_login(bob)
    response = client.post(f"/a/{assessment.pk}/upgrade/", {"target": reworded.pk + 99})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).checklist.version == 1


def test_a_viewer_cannot_upgrade(client, vera, assessment, reworded):
    client.force_login(vera)
    assert client.get(f"/a/{assessment.pk}/upgrade/").status_code == 403


def test_purge_lists_first_and_removes_only_with_yes_leaving_a_record(submitted, alice, capsys):
    services.archive(assessment=submitted, user=alice)
    fingerprint = Revision.objects.get(assessment=submitted).fingerprint
    call_command("purge_archived")
    assert "1 to remove" in capsys.readouterr().out
    assert Assessment.objects.filter(pk=submitted.pk).exists()
    call_command("purge_archived", str(submitted.pk), "--yes", "--reason", "retention ended")
    assert not Assessment.objects.filter(pk=submitted.pk).exists()
    purge = Purge.objects.get()
    assert purge.revisions[0]["fingerprint"] == fingerprint and purge.reason == "retention ended"


def test_purge_refuses_an_assessment_that_is_not_archived(submitted):
    with pytest.raises(CommandError, match="not archived"):
        call_command("purge_archived", str(submitted.pk), "--yes")
    with pytest.raises(CommandError, match="not an assessment id"):
        call_command("purge_archived", "nope", "--yes")
    assert Assessment.objects.filter(pk=submitted.pk).exists()
