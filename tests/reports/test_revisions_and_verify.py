"""Revision pages and downloads, verifying a report on the page and with `verify_report`."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from riskassess.assessments import services
from riskassess.assessments.models import Revision
from riskassess.reports import verify
from tests.conftest import answer_all, new_assessment

PDF_ID = b"trailer << /ID [<%s><%s>] >>"


@pytest.fixture
def twice(assessment, alice):
    """Submitted, reopened with one answer changed, submitted again: revisions 1 and 2."""
    answer_all(assessment, alice, "partly")
    services.submit(assessment=assessment, user=alice)
    services.reopen(assessment=assessment, user=alice)
    services.save_answer(
        assessment=assessment, item_key="INQ-01", option_key="yes", comment="fixed",
        expected_version=1, user=alice,
    )  # fmt: skip
    services.submit(assessment=assessment, user=alice)
    return assessment


def first(assessment) -> Revision:
    return Revision.objects.get(assessment=assessment, number=1)


def test_an_earlier_revision_is_shown_as_submitted_and_marked_superseded(client, vera, twice):
    client.force_login(vera)
    page = client.get(f"/a/{twice.pk}/r/1/").content.decode()
    assert "Revision 1 of 2" in page and "superseded on" in page
    assert first(twice).fingerprint in page
    assert f"/a/{twice.pk}/r/1/report.pdf" in page
    latest = client.get(f"/a/{twice.pk}/results/").content.decode()
    assert "Revision 2 of 2" in latest and "superseded" not in latest


def test_an_earlier_revision_downloads_as_it_was_submitted(client, vera, twice):
    client.force_login(vera)
    report = json.loads(client.get(f"/a/{twice.pk}/r/1/report.json").content)
    assert report["fingerprint"] == first(twice).fingerprint
    assert report["record"]["revision"] == 1 and report["record"]["current"] is False
    inq = next(i for i in report["items"] if i["key"] == "INQ-01")
    assert inq["answer"] == "partly"
    response = client.get(f"/a/{twice.pk}/r/1/report.csv")
    assert "revision-1" in response["Content-Disposition"]


def test_a_revision_number_the_assessment_lacks_is_not_found(client, vera, twice):
    client.force_login(vera)
    assert client.get(f"/a/{twice.pk}/r/3/").status_code == 404
    assert client.get(f"/a/{twice.pk}/r/0/report.json").status_code == 404


def test_the_csv_names_its_record_on_every_row_and_starts_with_a_bom(client, vera, twice):
    client.force_login(vera)
    text = client.get(f"/a/{twice.pk}/r/1/report.csv").content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    assert lines[0].startswith("Assessment,Assessment id,Revision,Status,Provisional,Item,Category")
    assert all(
        line.startswith(f"Support bot,{twice.pk},1 of 2,submitted,no,") for line in lines[1:]
    )
    assert "Inequity and fairness" in lines[1] or "," in lines[1]


def test_the_xlsx_has_a_summary_and_the_items(client, vera, twice):
    client.force_login(vera)
    response = client.get(f"/a/{twice.pk}/report.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Summary", "Items"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Revision"] == "2 of 2"
    assert summary["Fingerprint"] == Revision.objects.get(assessment=twice, number=2).fingerprint
    items = list(book["Items"].iter_rows(values_only=True))
    assert items[0][:6] == (
        "Assessment",
        "Assessment id",
        "Revision",
        "Status",
        "Provisional",
        "Item",
    )
    assert len(items) - 1 == twice.checklist.items.filter(active=True).count()


def test_a_spreadsheet_formula_in_a_comment_stays_text_in_the_xlsx(client, alice, assessment):
    services.save_answer(
        assessment=assessment, item_key="INQ-01", option_key="no",
        comment='=HYPERLINK("http://evil.example","x")', expected_version=0, user=alice,
    )  # fmt: skip
    client.force_login(alice)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/a/{assessment.pk}/report.xlsx").content))
    cells = [
        c
        for row in book["Items"].iter_rows()
        for c in row
        if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)


# Verifying ---------------------------------------------------------------------------------


def verify_page(client, **data):
    return client.post("/verify/", data)


def test_a_pasted_fingerprint_finds_its_revision_even_after_later_changes(client, vera, twice):
    client.force_login(vera)
    printed = first(twice).fingerprint
    page = verify_page(client, fingerprint=printed.upper()).content.decode()
    assert "Match." in page and f"/a/{twice.pk}/r/1/" in page and "revision 1" in page


def test_a_downloaded_pdf_finds_its_revision_by_its_document_id(client, vera, twice):
    client.force_login(vera)
    pdf = client.get(f"/a/{twice.pk}/r/1/report.pdf").content
    upload = SimpleUploadedFile("report.pdf", pdf, content_type="application/pdf")
    page = verify_page(client, report=upload).content.decode()
    assert "Match." in page and f"/a/{twice.pk}/r/1/" in page


def test_an_exported_json_verifies_and_an_edited_one_is_told_apart(client, vera, twice):
    client.force_login(vera)
    raw = client.get(f"/a/{twice.pk}/r/1/report.json").content
    page = verify_page(client, report=SimpleUploadedFile("r.json", raw)).content.decode()
    assert "Match." in page and "changed after it was exported" not in page
    edited = json.loads(raw)
    edited["overall"]["level"] = "low"
    upload = SimpleUploadedFile("r.json", json.dumps(edited).encode())
    page = verify_page(client, report=upload).content.decode()
    assert "changed after it was exported" in page and "Match." not in page


def test_another_teams_report_is_a_plain_miss(client, charlie, twice):
    client.force_login(charlie)
    page = verify_page(client, fingerprint=first(twice).fingerprint).content.decode()
    assert "No match." in page
    assert "Support bot" not in page and str(twice.pk) not in page


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.txt", b"hello", "neither a PDF nor a JSON report"),
        ("other.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", "carries no report ID"),
        ("list.json", b"[1, 2]", "neither a PDF nor a JSON report"),
        ("deep.json", b"{" + b'"a":[' * 100_000, "nests deeper than 64 levels"),
        ("plain.json", b'{"a": 1}', "not a riskassess report"),
        ("bad.json", b'{"a": ', "not well-formed JSON"),
        ("empty.pdf", b"", "Paste a fingerprint or choose a report file"),
    ],
)
def test_a_file_that_is_not_a_report_gets_a_clear_message(client, vera, name, content, message):
    client.force_login(vera)
    response = verify_page(client, report=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_pdf_with_two_different_ids_is_refused(client, vera):
    client.force_login(vera)
    content = b"%PDF-1.7\n" + PDF_ID % (b"a" * 32, b"a" * 32) + PDF_ID % (b"b" * 32, b"b" * 32)
    response = verify_page(client, report=SimpleUploadedFile("two.pdf", content))
    assert "several different report IDs" in response.content.decode()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, vera, monkeypatch):
    monkeypatch.setattr(verify, "MAX_BYTES", 1000)
    client.force_login(vera)
    content = b"%PDF-1.7\n" + b"x" * 200_000
    response = verify_page(client, report=SimpleUploadedFile("big.pdf", content))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_a_malformed_fingerprint_is_explained(client, vera):
    client.force_login(vera)
    response = verify_page(client, fingerprint="not-a-fingerprint")
    assert response.status_code == 400
    assert "64 hexadecimal digits" in response.content.decode()


def test_the_command_exits_0_on_a_match_1_on_none_and_2_on_garbage(tmp_path, twice, capsys):
    report = tmp_path / "r.json"
    report.write_bytes(
        json.dumps({"schema": "riskassess.report/1", "fingerprint": "0" * 64}).encode()
    )
    with pytest.raises(CommandError) as miss:
        call_command("verify_report", str(report))
    assert miss.value.returncode == 1

    printed = tmp_path / "fingerprint.txt"
    printed.write_text(first(twice).fingerprint + "\n")
    call_command("verify_report", str(printed))
    assert "revision 1" in capsys.readouterr().out

    garbage = tmp_path / "x.bin"
    garbage.write_bytes(b"\x00\x01")
    with pytest.raises(CommandError) as bad:
        call_command("verify_report", str(garbage))
    assert bad.value.returncode == 2
    with pytest.raises(CommandError) as missing:
        call_command("verify_report", str(tmp_path / "nope.pdf"))
    assert missing.value.returncode == 2


def test_the_command_reads_a_real_pdf(tmp_path, alice, team, checklist, capsys):
    assessment = new_assessment(alice, team, checklist)
    answer_all(assessment, alice, "yes")
    services.submit(assessment=assessment, user=alice)
    from riskassess.assessments.access import get_assessment_for_user
    from riskassess.reports import pdf
    from riskassess.reports.build import build_report

    body = pdf.render_report_pdf(build_report(get_assessment_for_user(alice, assessment.pk)))
    (tmp_path / "r.pdf").write_bytes(body)
    call_command("verify_report", str(tmp_path / "r.pdf"))
    assert f"{assessment.pk}): revision 1" in capsys.readouterr().out


@pytest.mark.parametrize("prefix", ["28295c0a0d", "5c5c5c5c", "00ff28"])
def test_the_pdf_id_is_read_through_the_writers_escapes(prefix):
    """pydyf writes the ID as a literal string, escaping ( ) and the backslash."""
    import weasyprint

    wanted = (prefix + "ab" * 16)[:32]
    body = weasyprint.HTML(string="<p>x</p>").write_pdf(pdf_identifier=bytes.fromhex(wanted))
    assert verify.from_pdf(body).fingerprint == wanted


def test_a_superseded_revisions_pdf_says_so_on_every_page_and_is_tagged(client, vera, twice):
    from pypdf import PdfReader

    client.force_login(vera)
    body = client.get(f"/a/{twice.pk}/r/1/report.pdf").content
    reader = PdfReader(io.BytesIO(body))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert all("SUPERSEDED" in page for page in pages)
    assert "Revision 1 of 2" in pages[0] and "superseded on" in pages[0]
    assert first(twice).fingerprint in pages[-1]
    # Tagged for screen readers: the catalog has a structure tree, marked as such.
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    latest = client.get(f"/a/{twice.pk}/r/2/report.pdf").content
    assert "SUPERSEDED" not in PdfReader(io.BytesIO(latest)).pages[0].extract_text()


def test_a_cached_revision_pdf_is_not_served_once_the_revision_is_superseded(alice, assessment):
    from riskassess.assessments.access import get_assessment_for_user
    from riskassess.reports import pdf
    from riskassess.reports.build import build_report

    answer_all(assessment, alice, "partly")
    services.submit(assessment=assessment, user=alice)
    before = pdf.cache_key(build_report(get_assessment_for_user(alice, assessment.pk)))
    services.reopen(assessment=assessment, user=alice)
    services.submit(assessment=assessment, user=alice)
    one = Revision.objects.get(assessment=assessment, number=1)
    after = pdf.cache_key(build_report(get_assessment_for_user(alice, assessment.pk), revision=one))
    assert before != after and before.split(":")[4] == after.split(":")[4]


def test_a_revision_still_verifies_after_an_upgrade_to_a_new_checklist_version(
    client, vera, alice, twice, default_spec
):
    import dataclasses

    from riskassess.assessments import upgrade
    from riskassess.checklist.services import load_checklist

    printed = first(twice).fingerprint
    services.reopen(assessment=twice, user=alice)
    v2 = load_checklist(dataclasses.replace(default_spec, version=2))[0]
    upgrade.apply(twice, target_id=v2.pk, user=alice)
    client.force_login(vera)
    page = client.post("/verify/", {"fingerprint": printed}).content.decode()
    assert "Match." in page and f"/a/{twice.pk}/r/1/" in page
    assert json.loads(client.get(f"/a/{twice.pk}/r/1/report.json").content)["fingerprint"] == (
        printed
    )


def test_completeness_is_rounded_down_on_every_page_and_in_the_pdf(client, alice, assessment):
    """The results page rounded (14 %) where the dashboard, questionnaire and PDF floored (13 %)."""
    import math

    from pypdf import PdfReader

    required = list(assessment.checklist.items.filter(required=True, active=True))
    total = len(required)
    answered = next(k for k in range(1, total) if (100 * k / total) % 1 >= 0.5)
    for item in required[:answered]:
        services.save_answer(
            assessment=assessment, item_key=item.key, option_key="yes", comment="",
            expected_version=0, user=alice,
        )  # fmt: skip
    floor, rounded = math.floor(100 * answered / total), round(100 * answered / total)
    assert floor != rounded
    client.force_login(alice)
    pages = {
        "results": client.get(f"/a/{assessment.pk}/results/").content.decode(),
        "dashboard": client.get("/").content.decode(),
        "questionnaire": client.get(f"/a/{assessment.pk}/q/inequity/").content.decode(),
    }
    for name, page in pages.items():
        assert f"{floor}%" in page or f">{floor}</span>%" in page, name
        assert f"{rounded}%" not in page, name
    pdf_text = " ".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(client.get(f"/a/{assessment.pk}/report.pdf").content)).pages
    )
    assert f"({floor}%)" in pdf_text and f"{rounded}%" not in pdf_text
