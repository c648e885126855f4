"""The PDF report: its content agrees with the page and the JSON, its marks, its cache.

Most tests use the two-item "tiny" checklist, which renders in a fraction of a
second; the ones about every item and every score use the default checklist.
"""

import gc
import io
import json
import re
import threading
import zlib

import pydyf
import pytest
import weasyprint
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.formatting_structure.boxes import LineBox, ParentBox

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from riskassess.reports import (
    pdf,
    pdf_context,
    pdf_engine,
    pdf_fetch,
    pdf_text,
    pdf_timelimit,
)
from riskassess.reports.build import build_report, report_from_data
from tests.checklist.test_loader import small_data
from tests.reports.factories import answer, answer_realistically, make_assessment


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def tiny(db):
    return load_checklist(validate(small_data()))[0]


@pytest.fixture
def draft(alice, team, tiny):
    """A provisional draft: one of the two required items answered."""
    assessment = make_assessment(alice, team, tiny, title="Tiny draft")
    answer(assessment, alice, "MIS-01", "no", "Access is open to anyone with the link.")
    return assessment


@pytest.fixture
def submitted(alice, team, tiny):
    assessment = make_assessment(alice, team, tiny, title="Tiny submitted")
    answer(assessment, alice, "MIS-01", "yes", "Gated by SSO.")
    answer(assessment, alice, "MIS-02", "sampled", "One conversation in a hundred.")
    services.submit(assessment=assessment, user=alice)
    return get_assessment_for_user(alice, assessment.pk)


@pytest.fixture
def full(alice, team, checklist):
    """The default checklist with the last few items unanswered, to show every kind of row."""
    assessment = make_assessment(alice, team, checklist)
    answer_realistically(assessment, alice, leave_unanswered=3)
    return assessment


def pages_text(body: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(body))
    return [page.extract_text().replace(pdf_context.ZWSP, "") for page in reader.pages]


def flat(text: str) -> str:
    """One line: line breaks fall wherever the layout puts them."""
    return re.sub(r"\s+", " ", text).strip()


def contains(block: str, text: str) -> bool:
    """`text` is in `block`, ignoring whitespace (a line may break after a hyphen)."""
    return re.sub(r"\s+", "", text) in re.sub(r"\s+", "", block)


def test_every_answered_item_appears_with_its_answer_comment_and_risk(full):
    report = build_report(full)
    text = flat(" ".join(pages_text(pdf.render_report_pdf(report))))
    answers = text[text.index("Answers by category Inequity") :]
    answered = [item for item in report["items"] if item["answer"]]
    assert len(answered) == len(report["items"]) - 3
    for item, following in zip(report["items"], [*report["items"][1:], None], strict=True):
        block = answers[answers.index(item["key"] + " ") :]
        if following:
            block = block[: block.index(following["key"] + " ")]
        if not item["answer"]:
            assert "Not answered" in block
            continue
        assert contains(block, item["question"])
        assert item["answer_label"] in block
        assert f"Weight {item['weight']}" in block
        assert contains(block, item["comment"])
        if item["not_applicable"]:
            assert "Justification" in block and "Risk —" in block
        else:
            risk = pdf_context._number(item["risk"])
            exposure = pdf_context._number(item["exposure"])
            assert f"Risk {risk}" in block
            assert f"Exposure {item['weight']} \u00d7 {risk} = {exposure}" in block


def test_the_scores_are_identical_in_the_pdf_the_results_page_and_the_json(client, full, vera):
    client.force_login(vera)
    page = client.get(reverse("results", args=[full.pk])).content.decode()
    data = json.loads(client.get(reverse("report_json", args=[full.pk])).content)
    pdf_pages = pages_text(client.get(reverse("report_pdf", args=[full.pk])).content)
    summary, findings = flat(pdf_pages[1]), flat(" ".join(pdf_pages[2:]))
    assert data["overall"]["score"] == build_report(full)["overall"]["score"]
    overall = f"{data['overall']['score']:.1f}"
    assert f"Overall {overall} {data['overall']['level'].upper()}" in summary
    assert f">{overall}<" in page
    for category in data["categories"]:
        score = f"{category['score']:.1f}"
        row = summary[summary.index(category["name"]) :]
        assert row.startswith(f"{category['name']} {category['reference']} 1 {score} ")
        page_row = page[page.index(category["name"]) :]
        assert f">{score}<" in page_row[: page_row.index("</tr>")]
    for rank, finding in enumerate(data["top_findings"], start=1):
        exposure = f"{finding['exposure']:.1f}"
        assert f"{rank} {finding['key']} · {finding['category_name']}" in findings
        assert contains(findings, finding["mitigation"])
        assert finding["key"] in page and f">{exposure}<" in page


def test_the_pdf_has_pages_an_outline_and_metadata(draft):
    report = build_report(draft)
    reader = PdfReader(io.BytesIO(pdf.render_report_pdf(report)))
    assert len(reader.pages) > 1
    top = [entry for entry in reader.outline if not isinstance(entry, list)]
    assert [entry.title for entry in top] == [
        "Tiny draft",
        "Executive summary",
        "Escalations",
        "Top findings",
        "Answers by category",
        "Action plan",
        "Appendix: methodology",
    ]
    nested = [e.title for entries in reader.outline if isinstance(entries, list) for e in entries]
    assert "Misuse" in nested and "Scoring formula" in nested
    assert reader.metadata.title == "Risk assessment: Tiny draft"
    assert reader.metadata.author == "Alpha · riskassess"
    assert reader.metadata.creator.startswith("riskassess")


def test_the_fingerprint_is_printed_on_the_last_page_only(draft):
    report = build_report(draft)
    pages = pages_text(pdf.render_report_pdf(report))
    assert [report["fingerprint"] in page for page in pages] == [False] * (len(pages) - 1) + [True]
    assert f"SHA-256 {report['fingerprint']}" in pages[-1]


def test_the_cover_names_the_assessment_and_its_method(draft):
    report = build_report(draft)
    cover = flat(pages_text(pdf.render_report_pdf(report))[0])
    for expected in (
        "Tiny draft",
        "support-bot 2.3",
        "an open-weights 70B chat model",
        "Alpha",
        "Tiny checklist, version 1",
        "Draft",
        report["assessment"]["id"],
        "PDF rendered",
        "Data as of",
    ):
        assert expected in cover


def test_the_methodology_gives_formula_thresholds_scale_and_citation(draft):
    text = flat(" ".join(pages_text(pdf.render_report_pdf(build_report(draft)))))
    appendix = text[text.index("Appendix: methodology") :]
    assert "weighted-exposure-v1" in appendix
    assert "S(c) = 100 \u00d7 \u03a3 w" in appendix
    assert "25 ≤ S < 50" in appendix and "75 ≤ S ≤ 100" in appendix
    assert "Not applicable excluded" in appendix
    assert "arXiv:2108.07258" in appendix and "2108.07258" in appendix


def test_escalations_and_top_findings_name_the_critical_item(draft):
    report = build_report(draft)
    text = flat(" ".join(pages_text(pdf.render_report_pdf(report))))
    start = text.index("Escalations These critical")
    escalations = text[start : text.index("Top findings", start)]
    assert report["overall"]["escalated_by"] == ["MIS-01"]
    assert "MIS-01 Misuse Is access gated?" in escalations
    findings = text[text.index("Top findings The answered") :]
    assert "1 MIS-01 · Misuse · critical item · answer No · exposure 4.0 of 4" in findings


def test_a_provisional_draft_is_marked_on_every_page(draft):
    pages = pages_text(pdf.render_report_pdf(build_report(draft)))
    assert len(pages) > 1
    for page in pages:
        assert "DRAFT — PROVISIONAL" in page


def test_a_submitted_complete_report_carries_no_draft_mark(submitted):
    pages = pages_text(pdf.render_report_pdf(build_report(submitted)))
    for page in pages:
        assert "DRAFT" not in page and "PROVISIONAL" not in page


def test_a_report_of_an_answers_file_is_marked_as_a_draft(draft):
    # As `manage.py assess` builds it: no stored row, so no id, team or dates.
    details = {**build_report(draft)["assessment"], "id": "", "team": "", "status": "unsaved"}
    details.update(created_at=None, submitted_at=None)
    report = report_from_data(assessment_data(draft), details)
    body = pdf.render_report_pdf(report)
    pages = pages_text(body)
    assert all("DRAFT" in page for page in pages)
    assert "not stored in riskassess" in flat(pages[0])
    assert PdfReader(io.BytesIO(body)).metadata.author == "riskassess"


def test_a_second_download_comes_from_the_cache_without_rendering(draft, monkeypatch):
    report = build_report(draft)
    first = pdf.render_report_pdf(report)
    calls = []
    monkeypatch.setattr(pdf, "_render_pdf", lambda report: calls.append(report) or b"fresh")
    assert pdf.render_report_pdf(build_report(draft)) == first
    assert calls == []


def test_changed_answers_are_rendered_afresh(draft, alice):
    before = pdf.render_report_pdf(build_report(draft))
    answer(draft, alice, "MIS-02", "no")
    after = pdf.render_report_pdf(build_report(draft))
    assert before != after
    assert "MIS-02" in flat(" ".join(pages_text(after)))


def test_the_download_is_a_pdf_that_is_never_stored(client, alice, draft):
    client.force_login(alice)
    response = client.get(reverse("report_pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="tiny-draft-')
    assert response.content.startswith(b"%PDF")


def test_only_members_can_download(client, draft, charlie, vera):
    url = reverse("report_pdf", args=[draft.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(vera)
    assert client.get(url).status_code == 200


def test_a_10000_character_comment_without_spaces_prints_up_to_the_cap_then_says_so(alice, draft):
    # Broken into lines (pdf_text.breakable) and cut at pdf_text.PRINT_CHARS: the
    # whole comment is in the JSON export.
    token = "".join(chr(ord("a") + n % 26) for n in range(10_000))
    answer(draft, alice, "MIS-02", "no", token)
    pages = pages_text(pdf.render_report_pdf(build_report(draft)))
    # Without the watermark (first line) and the running header and footer (last two).
    body = re.sub(r"\s+", "", "".join("".join(page.splitlines()[1:-2]) for page in pages))
    printed = token[: pdf_text.PRINT_CHARS]
    assert printed + re.sub(r"\s+", "", pdf_text.CONTINUED) in body
    assert token[: pdf_text.PRINT_CHARS + 1] not in body


def test_unicode_is_printed_intact(alice, draft):
    latin = "Zo\u00eb\u2019s caf\u00e9 \u2014 na\u00efve fa\u00e7ade"  # curly quote, em dash
    hebrew, arabic = "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629"
    answer(draft, alice, "MIS-02", "no", f"{latin}; {hebrew}; {arabic}")
    text = flat(" ".join(pages_text(pdf.render_report_pdf(build_report(draft)))))
    for part in (latin, hebrew, arabic):
        assert part in text


# --- The pieces --------------------------------------------------------------------------


def test_breakable_gives_long_tokens_break_opportunities():
    token = "x" * 100
    assert pdf_context.breakable(token).replace(pdf_context.ZWSP, "") == token
    assert pdf_context.breakable(token).count(pdf_context.ZWSP) == 4
    assert pdf_context.breakable("short words stay as they are") == "short words stay as they are"
    assert pdf_context.breakable(None) == ""


def test_breakable_never_splits_a_character_from_its_marks():
    combining = "e\u0301" * 60  # é as e + combining acute, 120 code points
    for part in pdf_context.breakable(combining).split(pdf_context.ZWSP):
        assert not part.startswith("\u0301")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 20
    for part in pdf_context.breakable(family).split(pdf_context.ZWSP):
        assert not part.startswith("\u200d") and not part.startswith("\U0001f469")


def test_breakable_output_is_still_escaped_by_the_template():
    rendered = Template("{% load pdf_tags %}{{ text|breakable }}").render(
        Context({"text": "<b>" + "&" * 50})
    )
    assert rendered.startswith("&lt;b&gt;&amp;")
    assert "<b>" not in rendered


def test_the_time_limit_stops_a_long_render():
    with pytest.raises(pdf.PDFRenderTimeout), pdf_timelimit.time_limit(0.05):
        while True:
            pass


def test_the_time_limit_comes_from_the_settings(settings, draft, monkeypatch):
    settings.PDF_RENDER_TIMEOUT = 0.05

    def slow(*args, **kwargs):
        while True:
            pass

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", slow)
    with pytest.raises(pdf.PDFRenderTimeout):
        pdf.render_report_pdf(build_report(draft))


def test_the_time_limit_is_skipped_outside_the_main_thread():
    outcome = []

    def run():
        with pdf_timelimit.time_limit(0.01):
            outcome.append("ran")

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert outcome == ["ran"]


def test_the_report_is_laid_out_with_its_own_user_agent_stylesheet(draft, monkeypatch):
    # The hook is WeasyPrint's; if an upgrade renames it, this test fails rather
    # than the report silently going back to the slower full HTML sheet.
    assert "_ua_stylesheets" in vars(weasyprint.HTML)
    asked = []
    original = pdf_engine.ReportHTML._ua_stylesheets

    def spy(self, forms=False):
        sheets = original(self, forms)
        asked.append(sheets)
        return sheets

    monkeypatch.setattr(pdf_engine.ReportHTML, "_ua_stylesheets", spy)
    text = flat(" ".join(pages_text(pdf._render_pdf(build_report(draft)))))
    assert asked == [[pdf_engine._ua_stylesheet()]]
    # What the sheet is for: headings and tables still lay out as such, head stays hidden.
    assert "Executive summary" in text and "Overall" in text
    assert "<title>" not in text and "Risk assessment: Tiny draft" not in text


def _spy_on_html5_parsing(monkeypatch) -> list[str]:
    """Records every document WeasyPrint's own (HTML5) constructor parses."""
    parsed = []
    original = weasyprint.HTML.__init__

    def spy(self, *args, **kwargs):
        parsed.append(kwargs.get("string", ""))
        original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", spy)
    return parsed


def test_the_report_markup_is_well_formed_and_read_by_the_xml_parser(full, monkeypatch):
    # The template must stay well-formed XML: if an edit breaks that, renders
    # silently fall back to the slower HTML5 parser, so this test fails instead.
    report = build_report(full)
    pdf_engine.ElementTree.fromstring(pdf.render_report_html(report))
    parsed = _spy_on_html5_parsing(monkeypatch)
    html = pdf_engine.ReportHTML(pdf.render_report_html(report))
    assert parsed == []
    assert html.etree_element.tag == "html"
    assert html.base_url is None and html.url_fetcher is pdf_fetch.FETCHER
    # The attributes set instead of WeasyPrint's constructor are the ones it sets.
    reference = weasyprint.HTML(string="<p>x</p>", url_fetcher=pdf_fetch.FETCHER)
    assert set(vars(html)) == set(vars(reference))


def test_both_parsers_give_the_same_report(full, monkeypatch):
    report = build_report(full)
    by_xml = pages_text(pdf._render_pdf(report))

    def refuse(markup):
        raise pdf_engine.ElementTree.ParseError("refused for the test")

    monkeypatch.setattr(pdf_engine.ElementTree, "fromstring", refuse)
    parsed = _spy_on_html5_parsing(monkeypatch)
    by_html5 = pages_text(pdf._render_pdf(report))
    assert len(parsed) == 1
    assert by_html5 == by_xml


def test_control_characters_are_printed_as_replacement_marks_and_spoil_no_text(
    alice, draft, monkeypatch
):
    # Each one used to print as a .notdef glyph that garbled the PDF's text layer
    # for every line in its font; XML forbids them too. Tab and newlines are kept.
    comment = "Form feed\x0chere, escape\x1bthere, next line\x85and the rest."
    answer(draft, alice, "MIS-02", "no", comment)
    parsed = _spy_on_html5_parsing(monkeypatch)
    text = flat(" ".join(pages_text(pdf._render_pdf(build_report(draft)))))
    assert parsed == []
    assert "Form feed\ufffdhere, escape\ufffdthere, next line\ufffdand the rest." in text
    assert "\x00" not in text
    assert "OVERALL RISK SCORE" in text and "Tiny draft" in text


def test_pdf_streams_are_compressed_at_level_6(draft, monkeypatch):
    # pydyf asks zlib for level 9; pdf_engine._PDFZlib gives it 6 (docs/performance.md),
    # swapped into pydyf for the render only. If pydyf stops going through its
    # module's zlib, this fails.
    assert pydyf.zlib is zlib
    calls = []
    original = zlib.compressobj

    def spy(level=-1, *args, **kwargs):
        calls.append((level, isinstance(pydyf.zlib, pdf_engine._PDFZlib)))
        return original(level, *args, **kwargs)

    monkeypatch.setattr(zlib, "compressobj", spy)
    body = pdf._render_pdf(build_report(draft))
    assert calls and set(calls) == {(6, True)}
    assert pydyf.zlib is zlib
    reader = PdfReader(io.BytesIO(body))
    assert "Executive summary" in reader.pages[1].extract_text()
    for page in reader.pages:
        contents = page["/Contents"].get_object()
        for stream in contents if isinstance(contents, list) else [contents]:
            assert stream.get_object()["/Filter"] == "/FlateDecode"


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_pydyf_gets_its_zlib_back_when_a_render_fails(draft, settings, monkeypatch, failure):
    settings.PDF_RENDER_TIMEOUT = 0.05
    during = []

    def broken(self, *args, **kwargs):
        during.append(pydyf.zlib)
        if failure == "error":
            raise RuntimeError("Pango fell over")
        while True:
            pass

    monkeypatch.setattr(pdf_engine.ReportHTML, "write_pdf", broken)
    expected = RuntimeError if failure == "error" else pdf.PDFRenderTimeout
    with pytest.raises(expected):
        pdf._render_pdf(build_report(draft))
    assert len(during) == 1 and isinstance(during[0], pdf_engine._PDFZlib)
    assert pydyf.zlib is zlib


def test_pydyf_keeps_level_6_until_the_last_of_overlapping_renders_ends():
    entered, leave, left = threading.Event(), threading.Event(), threading.Event()

    def other_render():
        with pdf_engine.pydyf_zlib_at_level_6():
            entered.set()
            leave.wait(10)
        left.set()

    thread = threading.Thread(target=other_render)
    thread.start()
    try:
        assert entered.wait(10)
        with pdf_engine.pydyf_zlib_at_level_6():
            assert isinstance(pydyf.zlib, pdf_engine._PDFZlib)
            leave.set()
            assert left.wait(10)
            assert isinstance(pydyf.zlib, pdf_engine._PDFZlib)  # this render is not done
    finally:
        leave.set()
        thread.join()
    assert pydyf.zlib is zlib


def test_the_cyclic_collector_is_paused_only_while_rendering(draft, monkeypatch):
    seen = []
    original = pdf_engine.ReportHTML.write_pdf

    def spy(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pdf_engine.ReportHTML, "write_pdf", spy)
    assert gc.isenabled()
    pdf._render_pdf(build_report(draft))
    assert seen == [False]
    assert gc.isenabled()


def test_the_cyclic_collector_comes_back_after_a_failed_render_and_stays_off_if_it_was():
    with pytest.raises(ZeroDivisionError), pdf_engine.cyclic_gc_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with pdf_engine.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_render_stopped_by_the_time_limit_gets_a_page_saying_so(
    client, vera, draft, settings, monkeypatch, caplog
):
    settings.PDF_RENDER_TIMEOUT = 0.05

    def slow(*args, **kwargs):
        while True:
            pass

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", slow)
    client.force_login(vera)
    response = client.get(reverse("report_pdf", args=[draft.pk]))
    assert response.status_code == 503
    # The failure is remembered (pdf_limits): the same report is not rendered until it expires.
    assert response["Retry-After"] == str(settings.PDF_FAILURE_TTL)
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "stopped after 0.05 seconds" in body
    assert reverse("report_json", args=[draft.pk]) in body
    assert f"PDF of assessment {draft.pk} stopped by the render time limit" in caplog.text


def _last_line_block(box, chain=()):
    """The (tag, class) chain of the block that holds the last line laid out under `box`."""
    found = None
    for child in getattr(box, "children", ()):
        if isinstance(child, LineBox):
            found = chain
        elif isinstance(child, ParentBox):
            element = child.element
            here = (child.element_tag, element.get("class", "") if element is not None else "")
            deeper = _last_line_block(child, (*chain, here))
            if deeper is not None:
                found = deeper
    return found


@pytest.mark.parametrize("context_lines", [0, 7, 19, 31])
def test_no_page_ends_with_a_heading_or_a_categorys_facts(alice, team, checklist, context_lines):
    """Headings keep with what follows: the page breaks move with the cover's context."""
    assessment = make_assessment(
        alice, team, checklist, context="A line about the deployment.\n" * context_lines
    )
    answer_realistically(assessment, alice)
    report = build_report(get_assessment_for_user(alice, assessment.pk))
    document = pdf_engine.ReportHTML(pdf.render_report_html(report)).render(
        stylesheets=list(pdf_engine._stylesheets()),
        font_config=pdf_engine._font_config(),
        presentational_hints=False,
    )
    endings = []
    for number, page in enumerate(document.pages[:-1], start=1):
        chain = _last_line_block(page._page_box.children[0]) or ()
        tags = [tag for tag, _ in chain]
        if {"h1", "h2", "h3"} & set(tags[-2:]) or (chain and "category-facts" in chain[-1][1]):
            endings.append((number, chain[-2:]))
    assert endings == []
