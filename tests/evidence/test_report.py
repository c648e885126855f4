"""Evidence in the report and the record: frozen into a revision and its fingerprint, listed
in the JSON and the PDF (never a file's content), flagged when expired, carried by a
re-assessment by reference; the reviewer's sign-off in the PDF (issue 14)."""

import io
import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import reassess, services, workflow
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Revision
from riskassess.evidence import services as evidence
from riskassess.evidence.models import Evidence
from riskassess.reports import pdf
from riskassess.reports.build import build_report, fingerprint
from tests.conftest import answer_all, make_user
from tests.evidence import samples
from tests.evidence.conftest import ITEM, client_for, stored_files

TEXT = b"Red-team summary: 14 prompts, 0 unsafe completions.\n"


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def add_file(assessment, user, name="redteam.txt", data=TEXT, **dates):
    return evidence.add_file(
        assessment=assessment, item_key=ITEM, upload=samples.upload(name, data),
        as_of=dates.get("as_of"), expires_on=dates.get("expires_on"), user=user,
    )  # fmt: skip


def add_link(assessment, user, **dates):
    return evidence.add_link(
        assessment=assessment, item_key=ITEM, url="https://example.org/eval?run=7",
        title="Eval dashboard", as_of=dates.get("as_of"), expires_on=dates.get("expires_on"),
        user=user,
    )  # fmt: skip


def report_of(assessment, user, revision=None):
    return build_report(get_assessment_for_user(user, assessment.pk), revision=revision)


def item_row(report, key=ITEM):
    return next(i for i in report["items"] if i["key"] == key)


def test_the_report_lists_each_items_evidence_without_contents(assessment, bob):
    file = add_file(assessment, bob, as_of=date(2026, 11, 2))
    link = add_link(assessment, bob)
    report = report_of(assessment, bob)
    rows = item_row(report)["evidence"]
    assert rows[0] == {
        "id": str(file.pk), "kind": "file", "name": "redteam.txt", "as_of": "2026-11-02",
        "expires_on": None, "uploaded_by": "bob", "uploaded_at": file.uploaded_at.isoformat(),
        "size": len(TEXT), "content_type": "text/plain; charset=utf-8", "sha256": file.sha256,
    }  # fmt: skip
    assert rows[1]["kind"] == "link" and rows[1]["url"] == "https://example.org/eval?run=7"
    assert rows[1]["name"] == "Eval dashboard" and rows[1]["id"] == str(link.pk)
    assert "Red-team summary" not in json.dumps(report)
    # Other items list none; every item has the key.
    assert all(i["evidence"] == [] for i in report["items"] if i["key"] != ITEM)


def test_evidence_is_covered_by_the_fingerprint(assessment, bob):
    before = report_of(assessment, bob)
    add_link(assessment, bob)
    after = report_of(assessment, bob)
    assert before["fingerprint"] != after["fingerprint"] == fingerprint(after)


def test_submission_freezes_the_evidence_list_into_the_revision(assessment, alice, bob):
    add_file(assessment, bob)
    answer_all(assessment, alice, "partly")
    services.submit(assessment=assessment, user=alice)
    revision = Revision.objects.get(assessment=assessment)
    frozen = next(i for i in revision.report["items"] if i["key"] == ITEM)["evidence"]
    assert [p["name"] for p in frozen] == ["redteam.txt"]
    # Reopened and changed: the revision's report and fingerprint stay as submitted.
    draft = services.reopen(assessment=assessment, user=alice)
    add_link(draft, bob)
    again = report_of(assessment, bob, revision=revision)
    assert [p["name"] for p in item_row(again)["evidence"]] == ["redteam.txt"]
    assert again["fingerprint"] == revision.fingerprint
    # And the frozen file cannot be removed while the revision exists.
    with pytest.raises(evidence.Frozen):
        evidence.remove(evidence=Evidence.objects.get(kind="file"), user=bob)


def test_expired_evidence_is_listed_beside_the_content_not_in_it(assessment, bob):
    today = timezone.localdate()
    old = add_link(assessment, bob, as_of=today - timedelta(days=400),
                   expires_on=today - timedelta(days=1))  # fmt: skip
    add_file(assessment, bob, expires_on=today + timedelta(days=30))
    report = report_of(assessment, bob)
    assert report["evidence_expired"] == [
        {"item": ITEM, "id": str(old.pk), "name": "Eval dashboard",
         "expires_on": (today - timedelta(days=1)).isoformat()}
    ]  # fmt: skip
    content = {k: v for k, v in report.items() if k != "evidence_expired"}
    assert fingerprint(content) == report["fingerprint"]


def test_the_json_export_carries_evidence_and_expiry(assessment, bob, vera):
    today = timezone.localdate()
    add_link(
        assessment, bob, as_of=today - timedelta(days=10), expires_on=today - timedelta(days=2)
    )
    response = client_for(vera).get(reverse("report_json", args=[assessment.pk]))
    data = json.loads(response.content)
    assert item_row(data)["evidence"][0]["url"] == "https://example.org/eval?run=7"
    assert data["evidence_expired"][0]["item"] == ITEM


def test_the_results_page_flags_expired_evidence(assessment, bob):
    today = timezone.localdate()
    add_link(
        assessment, bob, as_of=today - timedelta(days=10), expires_on=today - timedelta(days=2)
    )
    page = client_for(bob).get(reverse("results", args=[assessment.pk])).content.decode()
    assert 'data-testid="expired-evidence"' in page and "Eval dashboard" in page


def test_the_pdf_lists_evidence_as_text_and_flags_the_expired(assessment, bob):
    today = timezone.localdate()
    add_file(assessment, bob, name="model-card.pdf", data=samples.PDF)
    add_link(
        assessment, bob, as_of=today - timedelta(days=10), expires_on=today - timedelta(days=2)
    )
    body = pdf._render_pdf(report_of(assessment, bob))
    text = pdf_text(body)
    assert "Evidence: model-card.pdf" in text
    assert "Evidence link: Eval dashboard <https://example.org/eval?run=7>" in text
    assert "EXPIRED on" in text
    # Links are printed, not linked: the PDF holds no URI action for them.
    uris = [
        str(annotation.get_object().get("/A", {}).get("/URI", ""))
        for page in PdfReader(io.BytesIO(body)).pages
        for annotation in page.get("/Annots", [])
    ]
    assert not [uri for uri in uris if "example.org" in uri]


def test_a_draft_pdf_says_not_approved(assessment, bob):
    text = pdf_text(pdf._render_pdf(report_of(assessment, bob)))
    assert "Not approved" in text and "Approved by" not in text


def test_an_approved_revisions_pdf_carries_the_sign_off(team, assessment, alice, bob):
    team.review_required = True
    team.save()
    rita = make_user("rita")
    Membership.objects.create(team=team, user=rita, role=Role.REVIEWER)
    answer_all(assessment, bob, "partly")
    services.submit(assessment=assessment, user=alice)
    workflow.transition(assessment, "approve", user=rita, text="Approved for launch in the EU.")
    revision = Revision.objects.get(assessment=assessment)
    text = pdf_text(pdf._render_pdf(report_of(assessment, rita)))
    assert "SIGN-OFF" in text and "Approved by rita, Reviewer, on" in text
    assert "Approved for launch in the EU." in text
    assert revision.fingerprint in text.replace(" ", "")
    assert "Not approved" not in text


def test_an_evidence_uploader_cannot_approve_the_round(team, assessment, alice, bob):
    team.review_required = True
    team.save()
    answer_all(assessment, alice, "partly")
    add_link(assessment, bob)
    services.submit(assessment=assessment, user=alice)
    Membership.objects.filter(user=bob).update(role=Role.REVIEWER)
    with pytest.raises(workflow.NotReady, match="attached evidence"):
        workflow.transition(assessment, "approve", user=bob, text="ok")


# --- re-assessment --------------------------------------------------------------------------


@pytest.fixture
def reassessed(assessment, alice, bob, evidence_root):
    file = add_file(assessment, bob, as_of=date(2026, 10, 1))
    add_link(assessment, bob)
    answer_all(assessment, alice, "partly")
    services.submit(assessment=assessment, user=alice)
    # Added after the submission, to the reopened draft: not part of the revision.
    draft = services.reopen(assessment=assessment, user=alice)
    add_file(draft, bob, name="later.txt", data=b"later\n")
    services.submit(assessment=draft, user=alice)
    new = reassess.start(assessment.deployment, user=alice)
    return assessment, new, file


def test_a_reassessment_carries_the_revisions_evidence_by_reference(reassessed, evidence_root):
    _old, new, file = reassessed
    carried = list(Evidence.objects.filter(assessment=new).order_by("kind", "uploaded_at"))
    assert sorted(e.name for e in carried) == ["Eval dashboard", "later.txt", "redteam.txt"]
    copy = next(e for e in carried if e.name == "redteam.txt")
    assert copy.storage_name == file.storage_name and copy.sha256 == file.sha256
    assert (copy.as_of, copy.uploaded_at, copy.uploaded_by_name) == (
        file.as_of,
        file.uploaded_at,
        "bob",
    )
    assert copy.carried_from_id == file.pk
    assert len(stored_files(evidence_root)) == 2  # no file was copied


def test_removing_carried_evidence_keeps_the_earlier_assessments_file(
    reassessed, alice, bob, evidence_root, django_capture_on_commit_callbacks
):
    _old, new, file = reassessed
    copy = Evidence.objects.get(assessment=new, carried_from=file)
    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove(evidence=copy, user=bob)
    assert (evidence_root / file.storage_name).exists()
    assert Evidence.objects.filter(pk=file.pk).exists()
