"""Downloads: streamed, always an attachment that no browser renders or runs."""

from datetime import date

from django.http import FileResponse
from django.urls import reverse

from riskassess.evidence import services
from tests.evidence import samples
from tests.evidence.conftest import ITEM, client_for


def add(assessment, user, name, data):
    return services.add_file(
        assessment=assessment,
        item_key=ITEM,
        upload=samples.upload(name, data),
        as_of=date(2026, 1, 1),
        expires_on=None,
        user=user,
    )


def test_it_sends_the_file_as_an_attachment_with_exact_headers(vera, alice, assessment):
    piece = add(assessment, alice, "../../x.pdf", samples.PDF)
    response = client_for(vera).get(reverse("evidence_download", args=[assessment.pk, piece.pk]))
    assert response.status_code == 200 and isinstance(response, FileResponse)
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="x.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(samples.PDF))


def test_a_text_file_is_not_served_as_html(vera, alice, assessment):
    piece = add(assessment, alice, "notes.txt", samples.TEXT)
    response = client_for(vera).get(reverse("evidence_download", args=[assessment.pk, piece.pk]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_a_non_ascii_name_is_encoded_for_the_header(vera, alice, assessment):
    piece = add(assessment, alice, "rapport d'audit é.pdf", samples.PDF)
    response = client_for(vera).get(reverse("evidence_download", args=[assessment.pk, piece.pk]))
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''rapport")


def test_a_link_has_nothing_to_download(vera, alice, assessment):
    link = services.add_link(
        assessment=assessment,
        item_key=ITEM,
        url="https://a.example",
        title="A",
        as_of=None,
        expires_on=None,
        user=alice,
    )
    response = client_for(vera).get(reverse("evidence_download", args=[assessment.pk, link.pk]))
    assert response.status_code == 404
