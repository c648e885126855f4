"""What is accepted, decided by content: content.detect and content.safe_name."""

import pytest

from riskassess.evidence import content
from riskassess.evidence.content import Refused
from tests.evidence import samples


@pytest.mark.parametrize(("name", "data", "content_type"), samples.ALLOWED)
def test_it_accepts_each_allowed_type_by_content(name, data, content_type):
    kind = content.detect(samples.upload(name, data))
    assert content.KINDS[kind][0] == content_type


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("page.html", b"<html><body>hi</body></html>", "not accepted"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not accepted"),
        ("notes.txt", b"Hello\n<HTML><script>alert(1)</script>", "markup"),
        ("logo.txt", b'<?xml version="1.0"?><svg/>', "markup"),
        ("report.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "polyglot"),
        ("archive.docx", samples.plain_zip(), "not a DOCX or XLSX"),
        ("archive.zip", samples.plain_zip(), "not accepted"),
        ("tool.exe", b"MZ\x90\x00", "not accepted"),
        ("blob.txt", b"\x00\x01\x02binary", "not of an accepted type"),
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("image.pdf", samples.png(), "is a PNG image"),
        ("macro.docx", samples.docx(extra={"word/vbaProject.bin": b"x"}), "macros"),
        ("broken.docx", samples.docx()[:40], "damaged"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_it_refuses(name, data, says):
    with pytest.raises(Refused, match=says):
        content.detect(samples.upload(name, data))


def test_it_refuses_a_zip_bomb_member():
    bomb = samples.docx(extra={"xl/bomb.bin": b"\x00" * (5 * 1024 * 1024)})
    with pytest.raises(Refused, match="zip bomb"):
        content.detect(samples.upload("bomb.docx", bomb))


def test_it_refuses_too_many_members(monkeypatch):
    monkeypatch.setattr(content, "ZIP_MAX_MEMBERS", 3)
    many = samples.docx(extra={f"word/p{i}.xml": b"<p/>" for i in range(5)})
    with pytest.raises(Refused, match="more than 3 parts"):
        content.detect(samples.upload("many.docx", many))


def test_a_text_check_finds_markup_across_chunks():
    check = content.TextCheck()
    check.feed(b"harmless text <scr")
    with pytest.raises(Refused, match="markup"):
        check.feed(b"ipt>alert(1)</script>")


def test_a_text_check_refuses_a_truncated_character():
    check = content.TextCheck()
    check.feed("é".encode()[:1])
    with pytest.raises(Refused, match="UTF-8"):
        check.finish()


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("evil\x00name\x1b[31m.pdf", "evilname[31m.pdf"),
        ("right\u202eto-left.txt", "rightto-left.txt"),
        ("...", "evidence"),
    ],
)
def test_a_name_is_shown_without_paths_or_control_characters(given, shown):
    assert content.safe_name(given) == shown


def test_a_long_name_is_bounded_and_keeps_its_extension():
    name = content.safe_name("a" * 500 + ".pdf")
    assert len(name) == content.NAME_MAX and name.endswith(".pdf")


def test_a_name_without_extension_gets_its_kind_s():
    assert content.safe_name("README", "text") == "README.txt"
