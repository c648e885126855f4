"""Evidence on the questionnaire in a real browser, under the real CSP, with and without
JavaScript: its fields sit inside the answers form and post to a form of their own."""

import pytest
from django.urls import reverse

from riskassess.evidence.models import Evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "evidence"},
        },
    }
    return tmp_path / "evidence"


@pytest.mark.parametrize("scripts", [True, False], ids=["with-js", "without-js"])
def test_an_editor_attaches_a_file_and_removes_it(open_page, world, evidence_root, scripts):
    url = reverse("questionnaire", args=[world.draft.pk, "inequity"])
    page = open_page(url, user=world.users["bob"], java_script_enabled=scripts)
    card = page.locator("#evidence-INQ-01")
    card.locator("summary", has_text="Add evidence").click()
    card.locator('input[type="file"]').set_input_files(
        {"name": "../../audit.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    card.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(f"**{url}#item-INQ-01")
    listed = page.locator("#evidence-INQ-01").get_by_role("link", name="audit.pdf", exact=True)
    assert listed.count() == 1
    evidence = Evidence.objects.get()
    assert (evidence.original_name, evidence.size) == ("audit.pdf", len(PDF))

    page.locator("#evidence-INQ-01").get_by_role("button", name="Remove audit.pdf").click()
    page.wait_for_url(f"**{url}#item-INQ-01")
    assert "No evidence yet." in page.locator("#evidence-INQ-01").inner_text()
    assert not Evidence.objects.exists()
    assert page.problems == []


def test_a_file_over_the_limit_is_stopped_with_a_message(open_page, world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    url = reverse("questionnaire", args=[world.draft.pk, "inequity"])
    page = open_page(url, user=world.users["bob"], java_script_enabled=False)
    card = page.locator("#evidence-INQ-01")
    card.locator("summary", has_text="Add evidence").click()
    card.locator('input[type="file"]').set_input_files(
        {"name": "big.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * 300_000}
    )
    with page.expect_navigation() as navigation:
        card.get_by_role("button", name="Add evidence").click()
    assert navigation.value.status == 400
    assert "larger than the limit of 1.0" in page.content()
    assert not Evidence.objects.exists()
