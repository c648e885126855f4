import io, unicodedata
import pytest
from pypdf import PdfReader
from riskassess.reports import pdf
from riskassess.reports.build import build_report
from tests.security.conftest import *  # noqa

TEXTS = ["👩🏽‍💻", "مرحبا بالعالم", "שלום", "e\u0301", "Z̤͔ͧ̑̓", "漢字テスト", "Привет", "plain"]

@pytest.mark.parametrize("t", TEXTS)
def test_exp(assessment, alice, bob, t, tmp_path):
    from riskassess.assessments.models import Assessment
    from riskassess.assessments.access import get_assessment_for_user
    Assessment.objects.filter(pk=assessment.pk).update(title="Title " + t + " end")
    a = get_assessment_for_user(alice, assessment.pk)
    body = pdf.render_report_pdf(build_report(a))
    (tmp_path/"x.pdf").write_bytes(body)
    import shutil; shutil.copy(tmp_path/"x.pdf", f"/tmp/exp-{TEXTS.index(t)}.pdf")
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text().replace(pdf.ZWSP, "")
    print(repr(t), t in text, "\x00" in text, repr(text[text.find("Title"):text.find("Title")+60]))
