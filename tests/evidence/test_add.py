"""Adding evidence through the item's form: files by content, links as text."""

import hashlib
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client
from django.urls import reverse

from riskassess.evidence import services
from riskassess.evidence.models import Evidence
from tests.evidence import samples
from tests.evidence.conftest import ITEM, client_for, stored_files

P = "ev-add-INQ-01-"


def add_url(assessment, item=ITEM) -> str:
    return reverse("evidence_add", args=[assessment.pk, item])


def post_file(client, assessment, name, data, **extra):
    return client.post(add_url(assessment), {P + "file": samples.upload(name, data), **extra})


@pytest.mark.parametrize(("name", "data", "content_type"), samples.ALLOWED)
def test_it_stores_each_allowed_type(
    bob, assessment, category_key, evidence_root, name, data, content_type
):
    response = post_file(client_for(bob), assessment, name, data)
    page = reverse("questionnaire", args=[assessment.pk, category_key])
    assert response.status_code == 302 and response["Location"] == f"{page}#item-{ITEM}"
    evidence = Evidence.objects.get()
    assert (evidence.item_key, evidence.original_name, evidence.size) == (ITEM, name, len(data))
    assert evidence.content_type == content_type
    assert evidence.uploaded_by == bob and evidence.uploaded_by_name == "bob"
    assert (evidence_root / evidence.storage_name).read_bytes() == data


def test_it_records_the_sha256(bob, assessment):
    post_file(client_for(bob), assessment, "report.pdf", samples.PDF)
    assert Evidence.objects.get().sha256 == hashlib.sha256(samples.PDF).hexdigest()


def test_a_path_in_the_name_is_dropped_and_the_file_stored_under_a_random_name(
    bob, assessment, evidence_root
):
    post_file(client_for(bob), assessment, "../../x.pdf", samples.PDF)
    evidence = Evidence.objects.get()
    assert evidence.original_name == "x.pdf"
    assert len(evidence.storage_name) == 32 and "x" not in evidence.storage_name.strip(
        "0123456789abcdef"
    )
    assert [p.name for p in stored_files(evidence_root)] == [evidence.storage_name]
    assert not (evidence_root.parent / "x.pdf").exists()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("page.html", b"<html><body>hi</body></html>", "not accepted"),
        ("logo.svg", b"<svg/>", "not accepted"),
        ("notes.txt", b"fine\n" * 3000 + b"<html>", "markup"),  # past the first 8 KB
        ("report.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>", "polyglot"),
        ("empty.pdf", b"", "empty"),
        ("archive.docx", samples.plain_zip(), "not a DOCX or XLSX"),
        ("bomb.xlsx", samples.xlsx(extra={"xl/b.bin": b"\x00" * 5_000_000}), "zip bomb"),
        ("nul.txt", b"text" * 3000 + b"\x00", "NUL"),
    ],
)
def test_a_refused_file_gets_a_message_and_leaves_nothing(
    bob, assessment, evidence_root, name, data, says
):
    response = post_file(client_for(bob), assessment, name, data)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_file_over_the_limit_is_refused(bob, assessment, evidence_root, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    response = post_file(client_for(bob), assessment, "notes.txt", b"x" * 51)
    assert (
        response.status_code == 400 and "larger than the limit of 50" in response.content.decode()
    )
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_the_assessment_total_is_bounded(bob, assessment, evidence_root, settings):
    settings.EVIDENCE_MAX_TOTAL_BYTES = 150
    client = client_for(bob)
    assert post_file(client, assessment, "a.txt", b"a" * 100).status_code == 302
    response = post_file(client, assessment, "b.txt", b"b" * 60)
    assert response.status_code == 400 and "exceed its limit" in response.content.decode()
    assert Evidence.objects.count() == 1 and len(stored_files(evidence_root)) == 1


class BreaksMidway(FileSystemStorage):
    """Writes the first chunk to disk, then fails as a full disk or a lost connection would."""

    def _save(self, name, content):
        def first_then_fail():
            chunks = content.chunks(10)
            yield next(chunks)
            raise OSError("No space left on device")

        class Partial:
            def chunks(self):
                return first_then_fail()

        return super()._save(name, Partial())


def test_an_interrupted_upload_leaves_no_file_and_no_row(bob, assessment, evidence_root):
    storage = BreaksMidway(location=evidence_root)
    with (
        mock.patch("riskassess.evidence.services.evidence_storage", return_value=storage),
        pytest.raises(OSError, match="No space"),
    ):
        services.add_file(
            assessment=assessment,
            item_key=ITEM,
            upload=samples.upload("notes.txt", b"0123456789" * 100),
            as_of=None,
            expires_on=None,
            user=bob,
        )
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_row_that_cannot_be_written_takes_its_file_with_it(
    bob, assessment, evidence_root, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Evidence.objects, "create", fail)
    with pytest.raises(RuntimeError):
        post_file(client_for(bob), assessment, "report.pdf", samples.PDF)
    assert stored_files(evidence_root) == []


def test_a_link_is_stored_as_text(bob, assessment):
    response = client_for(bob).post(
        add_url(assessment),
        {
            P + "url": "https://example.org/card",
            P + "title": "Model card",
            P + "expires_on": "2099-01-01",
        },
    )
    assert response.status_code == 302
    link = Evidence.objects.get()
    assert (link.kind, link.url, link.title, str(link.expires_on)) == (
        "link",
        "https://example.org/card",
        "Model card",
        "2099-01-01",
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//example.org/x",
        "https://bank.example@evil.example/",
        "https://exa mple.org/",
        "https://",
    ],
)
def test_a_link_that_is_not_plain_http_is_refused(bob, assessment, url):
    response = client_for(bob).post(add_url(assessment), {P + "url": url, P + "title": "x"})
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_file_and_a_link_at_once_are_refused(bob, assessment):
    response = post_file(
        client_for(bob), assessment, "a.pdf", samples.PDF, **{P + "url": "https://a.example"}
    )
    assert response.status_code == 400 and "not both" in response.content.decode()


def test_an_expiry_before_the_as_of_date_is_refused(bob, assessment):
    response = post_file(
        client_for(bob),
        assessment,
        "a.pdf",
        samples.PDF,
        **{P + "as_of": "2026-05-01", P + "expires_on": "2026-04-01"},
    )
    assert response.status_code == 400 and not Evidence.objects.exists()


def test_an_item_not_in_the_checklist_is_not_found(bob, assessment):
    response = client_for(bob).post(
        add_url(assessment, "NOPE-99"), {"ev-add-NOPE-99-url": "https://a.example"}
    )
    assert response.status_code == 404


def test_a_file_far_over_the_limit_is_stopped_while_it_arrives(
    bob, assessment, evidence_root, settings
):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = post_file(client_for(bob), assessment, "big.txt", b"x" * 200_000)
    assert (
        response.status_code == 400 and "larger than the limit of 1.0" in response.content.decode()
    )
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_adding_needs_a_csrf_token(bob, assessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(add_url(assessment), {P + "url": "https://a.example", P + "title": "t"})
    assert response.status_code == 403 and not Evidence.objects.exists()


def test_the_service_refuses_a_file_over_the_limit(bob, assessment, evidence_root, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    with pytest.raises(services.Refused, match="larger than the limit"):
        services.add_file(
            assessment=assessment,
            item_key=ITEM,
            upload=samples.upload("notes.txt", b"x" * 51),
            as_of=None,
            expires_on=None,
            user=bob,
        )
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_file_spooled_to_disk_is_hashed_as_it_streams(bob, assessment, evidence_root):
    big = b"line of text\n" * 300_000  # ~3.9 MB: past Django's in-memory upload limit
    assert post_file(client_for(bob), assessment, "big.txt", big).status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.size, evidence.sha256) == (len(big), hashlib.sha256(big).hexdigest())
    assert (evidence_root / evidence.storage_name).read_bytes() == big
