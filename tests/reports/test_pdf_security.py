"""The PDF renderer is a browser: user text must never make it fetch, embed or style anything.

See docs/security.md, "The PDF renderer is a browser".
"""

import io
import re
from html.parser import HTMLParser

import pytest
import weasyprint
from django.core.cache import cache
from pypdf import PdfReader

from riskassess.reports import pdf, pdf_context, pdf_fetch
from riskassess.reports.build import build_report
from tests.reports.factories import answer, make_assessment

PAYLOADS = [
    "<img src=file:///etc/passwd>",
    "<link rel=attachment href=file:///etc/passwd>",
    "<style>@import url(http://169.254.169.254/)</style>",
    "url(http://169.254.169.254/)",
    "//evil.example/x",
    "../../etc/passwd",
]
HOSTILE = " ".join(PAYLOADS)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks any fetcher for, ours or its default one."""
    urls = []
    for cls in (pdf_fetch.DataOnlyFetcher, weasyprint.URLFetcher):
        original = cls.fetch

        def spy(self, url, headers=None, original=original):
            urls.append(url)
            return original(self, url, headers)

        monkeypatch.setattr(cls, "fetch", spy)
    return urls


@pytest.fixture
def hostile(alice, team, checklist):
    """User text full of markup, CSS and URLs, in every field the report prints."""
    team.name = f"Team {HOSTILE}"
    team.save()
    assessment = make_assessment(
        alice,
        team,
        checklist,
        title=f"Title {HOSTILE}"[:200],
        model_name=f"Model {HOSTILE}"[:200],
        base_model=f"Base {HOSTILE}"[:200],
        context=f"Context {HOSTILE}",
    )
    for number, payload in enumerate(PAYLOADS, start=1):
        answer(assessment, alice, f"INQ-{number:02}", "partly", f"Comment {payload}")
    answer(assessment, alice, "INQ-07", "na", f"Justification {HOSTILE}")
    return assessment


def render(assessment) -> tuple[dict, bytes]:
    report = build_report(assessment)
    return report, pdf.render_report_pdf(report)


def test_hostile_user_text_makes_the_renderer_fetch_nothing(hostile, fetched):
    render(hostile)
    assert fetched == []


def test_hostile_user_text_is_printed_as_text(hostile):
    _, body = render(hostile)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    text = re.sub(r"\s+", "", text.replace(pdf_context.ZWSP, ""))
    for payload in PAYLOADS:
        assert "Comment" + payload.replace(" ", "") in text


def test_the_pdf_embeds_no_files_and_has_no_attachment_annotations(hostile):
    _, body = render(hostile)
    reader = PdfReader(io.BytesIO(body))
    names = reader.trailer["/Root"].get("/Names", {})
    assert "/EmbeddedFiles" not in names
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, dict(attrs), name, value or "") for name, value in attrs]


def test_user_text_reaches_the_html_only_as_element_content(hostile):
    html = pdf.render_report_html(build_report(hostile))
    assert "<style" not in html and "<link" not in html and "<img" not in html
    assert "url(" not in html.replace("url(http://169.254.169.254/)", "")
    parser = _Attributes()
    parser.feed(html)
    for tag, attrs, name, value in parser.found:
        if "169.254" in value or "etc/passwd" in value or "evil.example" in value:
            # The document's author (the team name) is metadata, not a URL or a style.
            assert (tag, attrs.get("name"), name) == ("meta", "author", "content")
        if name in ("href", "src"):
            assert value.startswith("#"), (tag, name, value)
        assert name != "style"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/style.css",
        "ftp://example.com/x",
        "//evil.example/x",
        "../../etc/passwd",
        "/etc/passwd",
        "static/css/app.css",
        "",
    ],
)
def test_the_fetcher_refuses_anything_but_data_uris(url):
    with pytest.raises(pdf_fetch.RefusedURL):
        pdf_fetch.FETCHER.fetch(url)


def test_the_fetcher_serves_data_uris():
    response = pdf_fetch.FETCHER.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_the_fetcher_refuses_oversized_data_uris():
    with pytest.raises(pdf_fetch.RefusedURL):
        pdf_fetch.FETCHER.fetch("data:text/plain," + "x" * (pdf_fetch.MAX_DATA_URI + 1))


def test_the_fetcher_makes_hostile_markup_harmless_even_if_it_reached_weasyprint(fetched):
    # Defence in depth: were a template ever to emit such markup, nothing is read.
    markup = (
        '<link rel="attachment" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://169.254.169.254/x.css">'
        '<img src="file:///etc/passwd"><p style="background: url(https://evil.example/)">x</p>'
    )
    body = weasyprint.HTML(string=markup, base_url=None, url_fetcher=pdf_fetch.FETCHER).write_pdf()
    assert fetched and all(not url.startswith("data:") for url in fetched)
    names = PdfReader(io.BytesIO(body)).trailer["/Root"].get("/Names", {})
    assert "/EmbeddedFiles" not in names
