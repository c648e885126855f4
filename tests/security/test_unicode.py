"""Unicode is stored, shown, exported and printed intact.

Emoji with a skin tone and a zero-width joiner, Arabic and Hebrew (right to
left), a decomposed accent and a stack of combining marks, CJK. They go in
through the real forms and endpoints and come out of every page and report.
The tiny checklist keeps the PDF render short.
"""

import csv
import io
import json
import re
import unicodedata

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader
from pypdf.generic import NameObject

from riskassess.assessments.models import Answer, Assessment
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from tests.checklist.test_loader import small_data
from tests.security.support import logged_in

# Left-to-right pieces, then right-to-left ones: in the PDF's text layer the
# right-to-left runs come out in visual order, so they are checked as a group.
LTR = {
    "emoji-zwj-sequence": "👩🏽\u200d💻",
    "decomposed-accent": "e\u0301",
    "combining-stack": "Z\u0324\u0354\u0367\u0311\u0313",
    "cjk": "漢字テスト",
}
RTL = {"arabic": "مرحبا بالعالم", "hebrew": "שלום"}
PIECES = {**LTR, **RTL}
# Each text: (left-to-right head, right-to-left tail).
TEXTS = {
    "title": ("Review " + " ".join(LTR.values()), " · ".join(RTL.values())),
    "comment": ("Checked: " + " / ".join(LTR.values()), " / ".join(RTL.values())),
    "form-comment": ("Form: " + " ".join(reversed(LTR.values())), " ".join(reversed(RTL.values()))),
}
TITLE, COMMENT, FORM_COMMENT = (f"{head} — {tail}" for head, tail in TEXTS.values())


@pytest.fixture
def tiny(db):
    return load_checklist(validate(small_data()))[0]


@pytest.fixture
def assessment(alice, bob, team, tiny) -> Assessment:
    """Created through the new form, answered through autosave and the questionnaire form."""
    data = {
        "title": TITLE,
        "model_name": PIECES["cjk"],
        "base_model": PIECES["arabic"],
        "context": COMMENT,
        "team": team.pk,
        "checklist": tiny.pk,
    }
    assert logged_in(alice).post(reverse("assessment_new"), data).status_code == 302
    created = Assessment.objects.get()
    editor = logged_in(bob)
    response = editor.post(
        reverse("answer_save", args=[created.pk, "MIS-01"]),
        json.dumps({"option": "no", "comment": COMMENT, "version": 0}),
        content_type="application/json",
    )
    assert response.status_code == 200
    form = {"MIS-02-option": "sampled", "MIS-02-comment": FORM_COMMENT, "MIS-02-version": "0"}
    assert (
        editor.post(reverse("questionnaire", args=[created.pk, "misuse"]), form).status_code == 302
    )
    return created


def comment(assessment, key) -> str:
    return Answer.objects.get(assessment=assessment, item__key=key).comment


def test_it_stores_them_exactly_without_normalising(assessment):
    assert assessment.title == TITLE
    assert (assessment.model_name, assessment.base_model) == (PIECES["cjk"], PIECES["arabic"])
    assert comment(assessment, "MIS-01") == COMMENT
    assert comment(assessment, "MIS-02") == FORM_COMMENT
    # "e" + COMBINING ACUTE stays two code points: nothing was NFC-normalised on the way in.
    assert "e\u0301" in assessment.title and "\u00e9" not in assessment.title


@pytest.mark.parametrize(
    "name",
    ["results", "questionnaire_start", "assessment_history", "assessment_edit", "dashboard"],
)
def test_the_pages_show_the_title_exactly(client, vera, assessment, name):
    client.force_login(vera)
    args = [] if name == "dashboard" else [assessment.pk]
    response = client.get(reverse(name, args=args), follow=True)
    assert response.status_code == 200
    assert escape(TITLE) in response.content.decode()


@pytest.mark.parametrize("name", ["questionnaire_start", "assessment_history"])
def test_the_pages_show_the_comments_exactly(client, vera, assessment, name):
    client.force_login(vera)
    body = client.get(reverse(name, args=[assessment.pk]), follow=True).content.decode()
    assert escape(COMMENT) in body
    assert escape(FORM_COMMENT) in body


def test_the_json_export_gives_them_back_equal(client, vera, assessment):
    client.force_login(vera)
    report = json.loads(client.get(reverse("report_json", args=[assessment.pk])).content)
    details = report["assessment"]
    assert (details["title"], details["model"], details["base_model"], details["context"]) == (
        TITLE,
        PIECES["cjk"],
        PIECES["arabic"],
        COMMENT,
    )
    comments = {item["key"]: item["comment"] for item in report["items"]}
    assert comments == {"MIS-01": COMMENT, "MIS-02": FORM_COMMENT}


def test_the_csv_export_contains_them(client, vera, assessment):
    client.force_login(vera)
    response = client.get(reverse("report_csv", args=[assessment.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert [row["Comment"] for row in rows] == [COMMENT, FORM_COMMENT]


def test_the_download_names_are_plain_ascii(client, vera, assessment):
    client.force_login(vera)
    for name in ["report_pdf", "report_json", "report_csv"]:
        disposition = client.get(reverse(name, args=[assessment.pk]))["Content-Disposition"]
        assert disposition.isascii()
        assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.(pdf|json|csv)"', disposition)


# The PDF -----------------------------------------------------------------------------------


def pdf_text(body: bytes) -> str:
    """The text layer of every page, as pypdf reads it.

    When a font lacks a glyph (no emoji or CJK font is installed here), WeasyPrint
    gives that font an embedded CMap as its /Encoding instead of /Identity-H, so
    that the missing glyphs print as .notdef. Its codes are still the two-byte
    glyph ids that the font's /ToUnicode maps, but pypdf does not read embedded
    CMaps and decodes them as single bytes: garbage. Reading such fonts as
    /Identity-H gives pypdf the right code length; the text itself still comes
    only from the PDF's own /ToUnicode maps.
    """
    reader = PdfReader(io.BytesIO(body))
    pages = []
    for page in reader.pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            font = ref.get_object()
            encoding = font.get("/Encoding")
            if font.get("/Subtype") == "/Type0" and not isinstance(encoding, NameObject):
                font[NameObject("/Encoding")] = NameObject("/Identity-H")
        pages.append(page.extract_text())
    return "\n".join(pages)


def comparable(text: str) -> str:
    """NFC, without whitespace or invisible format characters.

    - NFC on both sides: pypdf may give "e" + U+0301 back as "é", and reorders
      nothing that NFC does not reorder too.
    - Whitespace: the layout breaks lines anywhere, the bidi reordering of
      Hebrew moves the spaces around it, and pypdf puts a space between stacked
      combining marks ("Z̤ ͔ͧ̑̓").
    - Format characters (Cf): the zero-width spaces the PDF adds to long tokens,
      and the zero-width joiner of 👩🏽‍💻, which has no glyph of its own unless an
      emoji font draws the whole sequence as one.
    """
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def test_the_pdf_prints_the_title_and_the_comments(client, vera, assessment):
    client.force_login(vera)
    response = client.get(reverse("report_pdf", args=[assessment.pk]))
    assert response.status_code == 200
    text = comparable(pdf_text(response.content))
    for where, (head, tail) in TEXTS.items():
        # The left-to-right head exactly, in order...
        assert comparable(head) in text, where
        # ...followed by every right-to-left word, in whichever order the layout put
        # them: each line is reordered on its own, so where a line breaks inside a
        # right-to-left phrase (the cover's title does, depending on the fallback
        # fonts' widths) its words come out of the PDF in a different order.
        after = text[text.index(comparable(head)) :][: len(comparable(head + tail)) + 2]
        for name, piece in RTL.items():
            for word in piece.split():
                assert comparable(word) in after, (where, name, word)
