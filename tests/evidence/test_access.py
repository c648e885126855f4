"""Who may list, add, remove and download evidence: 404 outsiders, 403 too weak a role."""

import re
import uuid

import pytest
from django.urls import reverse

from riskassess.assessments import workflow
from riskassess.evidence import services
from riskassess.evidence.models import Evidence
from tests.conftest import answer_all, new_assessment
from tests.evidence import samples
from tests.evidence.conftest import ITEM, client_for, stored_files

P = "ev-add-INQ-01-"
LINK = {P + "url": "https://a.example", P + "title": "t"}


@pytest.fixture
def piece(assessment, alice):
    return services.add_file(
        assessment=assessment,
        item_key=ITEM,
        upload=samples.upload("report.pdf", samples.PDF),
        as_of=None,
        expires_on=None,
        user=alice,
    )


def requests(assessment_id, evidence_id):
    return [
        ("get", reverse("item_evidence", args=[assessment_id, ITEM]), {}),
        ("post", reverse("evidence_add", args=[assessment_id, ITEM]), LINK),
        ("post", reverse("evidence_remove", args=[assessment_id, evidence_id]), {}),
        ("get", reverse("evidence_download", args=[assessment_id, evidence_id]), {}),
    ]


def page(response) -> str:
    """The page without its CSRF token, which is masked afresh on every response."""
    return re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_it_is_not_found_for_another_team_as_for_a_random_id(charlie, assessment, piece):
    client = client_for(charlie)
    foreign = [getattr(client, m)(url, data) for m, url, data in requests(assessment.pk, piece.pk)]
    random = [
        getattr(client, m)(url, data) for m, url, data in requests(uuid.uuid4(), uuid.uuid4())
    ]
    assert [r.status_code for r in foreign] == [404] * 4
    assert [page(r) for r in foreign] == [page(r) for r in random]
    assert Evidence.objects.count() == 1


def test_evidence_of_another_assessment_is_not_found(charlie, other_team, checklist, piece):
    theirs = new_assessment(charlie, other_team, checklist)
    client = client_for(charlie)
    assert client.get(reverse("evidence_download", args=[theirs.pk, piece.pk])).status_code == 404
    assert client.post(reverse("evidence_remove", args=[theirs.pk, piece.pk])).status_code == 404


def test_a_viewer_may_list_and_download_but_not_add_or_remove(vera, assessment, piece):
    client = client_for(vera)
    codes = [
        getattr(client, m)(url, data).status_code
        for m, url, data in requests(assessment.pk, piece.pk)
    ]
    assert codes == [200, 403, 403, 200]
    assert Evidence.objects.count() == 1


def test_an_editor_removes_evidence_and_its_file(
    bob, assessment, piece, evidence_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(reverse("evidence_remove", args=[assessment.pk, piece.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_anonymous_is_sent_to_log_in(client, assessment, piece):
    response = client.get(reverse("evidence_download", args=[assessment.pk, piece.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def submit(assessment, alice):
    answer_all(assessment, alice)
    workflow.transition(assessment, "submit", user=alice, attested=True)


def test_a_submitted_assessment_refuses_add_and_remove(alice, bob, assessment, piece):
    submit(assessment, alice)
    client = client_for(bob)
    added = client.post(
        reverse("evidence_add", args=[assessment.pk, ITEM]),
        {P + "url": "https://a.example", P + "title": "t"},
    )
    removed = client.post(reverse("evidence_remove", args=[assessment.pk, piece.pk]))
    assert (added.status_code, removed.status_code) == (409, 409)
    assert "not an editable draft" in added.content.decode()
    assert list(Evidence.objects.all()) == [piece]


def test_evidence_of_a_submitted_revision_cannot_be_removed_after_reopening(
    alice, bob, assessment, piece
):
    submit(assessment, alice)
    workflow.transition(assessment, "reopen", user=alice)
    response = client_for(bob).post(reverse("evidence_remove", args=[assessment.pk, piece.pk]))
    assert response.status_code == 409 and "submitted revision" in response.content.decode()
    assert Evidence.objects.count() == 1


def test_deleting_a_draft_removes_its_evidence_files(
    alice, assessment, piece, evidence_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("assessment_delete", args=[assessment.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_superusers_get_a_read_only_list_in_the_admin(staff, bob, piece):
    client = client_for(staff)
    listing = client.get(reverse("admin:evidence_evidence_changelist"))
    assert listing.status_code == 200 and "report.pdf" in listing.content.decode()
    change = client.get(reverse("admin:evidence_evidence_change", args=[piece.pk]))
    assert change.status_code == 200 and "%PDF" not in change.content.decode()
    assert client.get(reverse("admin:evidence_evidence_add")).status_code == 403
