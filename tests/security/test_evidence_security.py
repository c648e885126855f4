"""Evidence under attack: every URL, every role, hostile files, names and links.

The adversarial sweep for riskassess/evidence (evidence_support.URLS: the item's
list, add a file, add a link, remove, download). charlie (owner of `other_team`)
attacks alice's team's evidence, alice attacks charlie's with real and guessed
ids, vera (a viewer) tries to change, an anonymous client tries everything.
Then the uploads: names with paths and control characters, HTML and SVG in
disguise, polyglots, empty and oversized files, and links with other schemes.

Every refusal is checked twice: by its status, and by `state()`, which compares
every row of the teams, assessments, deployments and evidence (and its history)
and every file under the test's sandbox (EVIDENCE_ROOT, where the storage
writes, and the upload spool, both inside it): nothing stored, nothing left
behind, nothing written beside the root either.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from riskassess.evidence import content, services
from riskassess.evidence.models import Evidence
from tests.conftest import new_assessment
from tests.evidence import samples
from tests.security.evidence_support import (
    ALPHA_FILE,
    ALPHA_MARKERS,
    BRAVO_FILE,
    BRAVO_LINK,
    BRAVO_MARKERS,
    BY_EVIDENCE,
    CASE_IDS,
    CASES,
    DOWNLOAD_HEADERS,
    EDITOR_CASES,
    EDITOR_IDS,
    ITEM,
    ONE_PER_VIEW,
    PREFIX,
    READ_CASES,
    READ_IDS,
    Anchors,
    attachment_name,
    file_form,
    files,
    link_form,
    multipart,
    random_id,
    state,
    upload,
)
from tests.security.support import Tags, logged_in, normalised, template_names


@pytest.fixture(autouse=True)
def sandbox(settings, tmp_path):
    """The test's own directory, holding EVIDENCE_ROOT (two levels down, so that a
    `../../x` that escaped it would still land in the sandbox) and the spool that
    every upload, however small, is written to while it arrives."""
    root = tmp_path / "srv" / "var" / "evidence"
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.EVIDENCE_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return tmp_path


def add_file(assessment, user, name, data=samples.PDF):
    return services.add_file(
        assessment=assessment,
        item_key=ITEM,
        upload=upload(name, data),
        as_of=None,
        expires_on=None,
        user=user,
    )


def add_link(assessment, user, title, url):
    return services.add_link(
        assessment=assessment,
        item_key=ITEM,
        url=url,
        title=title,
        as_of=None,
        expires_on=None,
        user=user,
    )


@pytest.fixture
def alpha(assessment, bob):
    """alice's team's draft (conftest.py) with a file and a link bob added."""
    return SimpleNamespace(
        assessment=assessment,
        file=add_file(assessment, bob, ALPHA_FILE),
        link=add_link(assessment, bob, "Alpha model card", "https://alpha.example/card"),
    )


@pytest.fixture
def bravo(foreign, charlie):
    """charlie's draft in `other_team` (conftest.py) with its own file and link."""
    return SimpleNamespace(
        assessment=foreign,
        file=add_file(foreign, charlie, BRAVO_FILE),
        link=add_link(foreign, charlie, *BRAVO_LINK),
    )


def assert_absent(response, markers) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for marker in markers:
        assert marker.encode() not in body, marker


def add_url(assessment) -> str:
    return reverse("evidence_add", args=[assessment.pk, ITEM])


def listing(client, assessment) -> str:
    """The item's evidence list as the page shows it."""
    response = client.get(reverse("item_evidence", args=[assessment.pk, ITEM]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.find('data-testid="evidence-list"')
    return html[start : html.find("</ul>", start)] if start >= 0 else ""


# Another team: 404 on every URL, nothing changed, nothing revealed ---------------------------


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_an_outsider_gets_404_on_every_evidence_url_and_changes_nothing(
    url, method, charlie, alpha, sandbox
):
    before = state(sandbox)
    response = url.send(logged_in(charlie), method, alpha.assessment.pk, alpha.file.pk)
    # A method the URL refuses to everyone is 405 before any lookup (the same for an
    # id that does not exist: test_a_foreign_id_is_answered_exactly_like_a_random_one).
    assert response.status_code == (404 if url.allows(method) else 405)
    assert state(sandbox) == before
    assert_absent(response, ALPHA_MARKERS)


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_the_same_request_from_the_owner_is_not_refused(url, method, alice, alpha, sandbox):
    """The control: the requests above are valid, so only access stopped charlie."""
    before = state(sandbox)
    response = url.send(logged_in(alice), method, alpha.assessment.pk, alpha.file.pk)
    if not url.allows(method):
        assert response.status_code == 405
        assert state(sandbox) == before
        return
    assert response.status_code in (200, 302), response.content[:300]
    assert not response.get("Location", "").startswith(reverse("login"))
    assert (state(sandbox) != before) == url.editor


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_a_foreign_id_is_answered_exactly_like_a_random_one(
    url, method, alice, charlie, bravo, sandbox
):
    client = logged_in(alice)
    before = state(sandbox)
    real = url.send(client, method, bravo.assessment.pk, bravo.file.pk)
    guessed = url.send(client, method, random_id(), random_id())
    assert real.status_code == guessed.status_code == (404 if url.allows(method) else 405)
    assert real.get("Content-Type") == guessed.get("Content-Type")
    assert template_names(real) == template_names(guessed)
    assert normalised(real) == normalised(guessed)
    assert_absent(real, BRAVO_MARKERS)
    assert state(sandbox) == before
    # The foreign ids are real ones: charlie's own requests are answered.
    own = url.send(logged_in(charlie), method, bravo.assessment.pk, bravo.file.pk)
    assert own.status_code in ((200, 302) if url.allows(method) else (405,))


@pytest.mark.parametrize("url", BY_EVIDENCE, ids=str)
@pytest.mark.parametrize(
    ("who", "assessment_of", "evidence_of"),
    [
        ("alice", "alpha", "bravo"),
        ("charlie", "bravo", "alpha"),
        ("alice", "alpha-second", "alpha"),
    ],
    ids=["alice-names-charlies-file", "charlie-names-alices-file", "another-assessment-s-file"],
)
def test_evidence_of_another_assessment_is_answered_like_an_unknown_id(
    request, url, who, assessment_of, evidence_of, alice, alpha, bravo, checklist, team, sandbox
):
    """The user's own assessment in the URL, with the id of evidence that is not its own
    (another team's, or another assessment's of the same team): as if it did not exist."""
    records = {"alpha": alpha.assessment, "bravo": bravo.assessment}
    records["alpha-second"] = new_assessment(alice, team, checklist, title="Alpha second")
    files_of = {"alpha": alpha.file, "bravo": bravo.file}
    client = logged_in(request.getfixturevalue(who))
    mine = records[assessment_of]
    before = state(sandbox)
    real = url.send(client, "post" if url.post else "get", mine.pk, files_of[evidence_of].pk)
    guessed = url.send(client, "post" if url.post else "get", mine.pk, random_id())
    assert real.status_code == guessed.status_code == 404
    assert normalised(real) == normalised(guessed)
    assert_absent(real, BRAVO_MARKERS if evidence_of == "bravo" else ["alpha-model-card"])
    assert state(sandbox) == before


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_an_anonymous_request_is_sent_to_log_in_alike_for_a_real_and_a_random_id(
    client, url, method, alpha, sandbox
):
    before = state(sandbox)
    real = url.send(client, method, alpha.assessment.pk, alpha.file.pk)
    ids = random_id(), random_id()
    guessed = url.send(client, method, *ids)
    assert real.status_code == guessed.status_code == 302
    assert real["Location"].startswith(reverse("login") + "?next=")

    def anonymised(location, assessment_id, evidence_id):
        return location.replace(str(assessment_id), "A").replace(str(evidence_id), "E")

    assert anonymised(real["Location"], alpha.assessment.pk, alpha.file.pk) == anonymised(
        guessed["Location"], *ids
    )
    assert state(sandbox) == before


# Roles: a viewer reads and downloads, never adds or removes ----------------------------------


@pytest.mark.parametrize(("url", "method"), EDITOR_CASES, ids=EDITOR_IDS)
def test_a_viewer_gets_403_on_adding_and_removing_and_changes_nothing(
    url, method, vera, alpha, sandbox
):
    before = state(sandbox)
    response = url.send(logged_in(vera), method, alpha.assessment.pk, alpha.file.pk)
    assert response.status_code == 403
    assert state(sandbox) == before


@pytest.mark.parametrize(("url", "method"), EDITOR_CASES, ids=EDITOR_IDS)
def test_an_editor_may_make_the_same_request(url, method, bob, alpha, sandbox):
    """The control: an editor, not only the owner, gets past the role check, and writes."""
    before = state(sandbox)
    response = url.send(logged_in(bob), method, alpha.assessment.pk, alpha.file.pk)
    assert response.status_code == 302, response.content[:300]
    assert state(sandbox) != before


@pytest.mark.parametrize(("url", "method"), READ_CASES, ids=READ_IDS)
def test_a_viewer_reads_the_list_and_downloads(url, method, vera, alpha, sandbox):
    before = state(sandbox)
    response = url.send(logged_in(vera), method, alpha.assessment.pk, alpha.file.pk)
    assert response.status_code == 200
    assert state(sandbox) == before


def test_a_viewers_list_offers_neither_the_add_form_nor_remove(vera, alpha):
    html = logged_in(vera).get(reverse("item_evidence", args=[alpha.assessment.pk, ITEM]))
    html = html.content.decode()
    assert ALPHA_FILE in html
    assert reverse("evidence_remove", args=[alpha.assessment.pk, alpha.file.pk]) not in html
    assert add_url(alpha.assessment) not in html


# CSRF, and the methods no evidence URL takes -------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(("url", "method"), EDITOR_CASES, ids=EDITOR_IDS)
def test_a_post_without_a_csrf_token_is_refused(url, method, bob, alpha, sandbox):
    before = state(sandbox)
    response = url.send(csrf_client(bob), method, alpha.assessment.pk, alpha.file.pk)
    assert response.status_code == 403
    assert "The security token of this page has expired" in response.content.decode()
    assert state(sandbox) == before


@override_settings(EVIDENCE_MAX_BYTES=1024)
def test_an_oversized_upload_without_a_csrf_token_is_refused_for_the_token(bob, alpha, sandbox):
    """The add view checks the token after its size limit is in place (the upload is cut
    off while it arrives): cut off or not, no token is no upload."""
    before = state(sandbox)
    response = csrf_client(bob).post(add_url(alpha.assessment), file_form("big.txt", b"x" * 9000))
    assert response.status_code == 403
    assert state(sandbox) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete", "head", "options"])
@pytest.mark.parametrize("url", ONE_PER_VIEW, ids=lambda url: url.name)
def test_other_methods_are_refused_and_change_nothing(url, method, bob, alpha, sandbox):
    before = state(sandbox)
    response = getattr(logged_in(bob), method)(url.url(alpha.assessment.pk, alpha.file.pk))
    assert response.status_code == 405
    assert state(sandbox) == before


# Hostile file names: stored under a random name inside EVIDENCE_ROOT, shown sanitised --------

# (label, the file part's Content-Disposition parameters as sent, the name shown).
# Sent byte for byte (evidence_support.multipart): the test client would strip a path.
HOSTILE_NAMES = [
    ("dot-dot-slash", b'filename="../../x"', "x.pdf"),
    ("dot-dot-backslash", b'filename="..\\..\\x.pdf"', "x.pdf"),
    ("absolute-path", b'filename="/etc/cron.d/x.pdf"', "x.pdf"),
    ("windows-path", b'filename="C:\\Windows\\System32\\x.pdf"', "x.pdf"),
    ("html-entities", b'filename="&#46;&#46;&#47;&#46;&#46;&#47;x.pdf"', "x.pdf"),
    ("rfc2231-path", b"filename*=UTF-8''..%2F..%2Fx.pdf", "x.pdf"),
    ("nul-and-escapes", b'filename="a\x00b\x1b[31m\x07\x08c.pdf"', "ab[31mc.pdf"),
    (
        "rfc2231-controls",
        b"filename*=UTF-8''x%00%0D%0ASet-Cookie%3A%20a%3Db%1B.pdf",
        "xSet-Cookie: a=b.pdf",
    ),
    ("bidi-override", 'filename="x\u202efdp.pdf"'.encode(), "xfdp.pdf"),
    ("zero-width", 'filename="in\u200bvoice\ufeff.pdf"'.encode(), "invoice.pdf"),
    ("300-characters", b'filename="' + b"n" * 296 + b'.pdf"', "n" * 196 + ".pdf"),
    ("300-characters-of-path", b'filename="' + b"../" * 100 + b'x.pdf"', "x.pdf"),
    (
        "quotes-and-semicolons",
        b"filename*=UTF-8''a%22%3B%20filename%3D%22evil.html%22%3B.pdf",
        'a"; filename="evil.html";.pdf',
    ),
    ("utf-8", 'filename="rapport d\'audit é 🔒.pdf"'.encode(), "rapport d'audit é 🔒.pdf"),
    ("dots-only", b'filename="...pdf"', "pdf.pdf"),
]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@pytest.mark.parametrize(
    ("disposition", "shown"),
    [(disposition, shown) for _, disposition, shown in HOSTILE_NAMES],
    ids=[label for label, _, _ in HOSTILE_NAMES],
)
def test_a_hostile_name_is_stored_under_a_random_name_and_shown_sanitised(
    bob, vera, alpha, sandbox, settings, disposition, shown
):
    before = files(sandbox)
    body, content_type = multipart(disposition, samples.PDF)
    response = logged_in(bob).post(add_url(alpha.assessment), body, content_type=content_type)
    assert response.status_code == 302, response.content[:500]
    evidence = Evidence.objects.exclude(pk__in=[alpha.file.pk, alpha.link.pk]).get()
    name = evidence.original_name
    if shown is not None:
        assert name == shown
    # Sanitised: no path, no control or invisible characters, bounded, and still a .pdf.
    assert "/" not in name and "\\" not in name and not CONTROL.search(name)
    assert 0 < len(name) <= content.NAME_MAX and name.endswith(".pdf")
    # Stored under 32 random hex digits, inside EVIDENCE_ROOT, and nowhere else.
    assert re.fullmatch(r"[0-9a-f]{32}", evidence.storage_name)
    added = {path for path in files(sandbox) if path not in before}
    root = settings.EVIDENCE_ROOT.relative_to(sandbox)
    assert added == {str(root / evidence.storage_name)}
    assert (settings.EVIDENCE_ROOT / evidence.storage_name).read_bytes() == samples.PDF
    # Shown as stored, escaped, in the list (the link's text, the button's label) and
    # as the download's file name.
    client = logged_in(vera)
    url = reverse("evidence_download", args=[alpha.assessment.pk, evidence.pk])
    anchors = [(a, text) for a, text in Anchors(listing(client, alpha.assessment)).anchors]
    assert [(a.get("aria-label"), text) for a, text in anchors if a.get("href") == url] == [
        (None, name),
        (f"Download {name}", "Download"),
    ]
    download = client.get(url)
    assert attachment_name(download) == name
    assert not CONTROL.search(download["Content-Disposition"])


# HTML and SVG in any guise, and other files that are not what they say: refused -------------

HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Invoice</title></head>"
    b"<body><script>fetch('/a/').then(r => r.text()).then(alert)</script></body></html>\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)">'
    b'<circle r="10"/></svg>\n'
)
SVG_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'
)
XHTML = (
    b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
    b"<body><script>alert(1)</script></body></html>\n"
)
# (label, name, content): each refused with 400, leaving no row and no file.
REFUSED = [
    ("html-as-pdf", "invoice.pdf", HTML),
    ("html-as-png", "chart.png", HTML),
    ("html-as-jpg", "photo.jpg", HTML),
    ("html-as-txt", "notes.txt", HTML),
    ("html-as-md", "card.md", HTML),
    ("html-as-csv", "metrics.csv", HTML),
    ("html-as-docx", "memo.docx", HTML),
    ("html-no-extension", "README", HTML),
    ("html-shouted-after-whitespace", "notes.txt", b" \r\n\t<HTML><BODY ONLOAD=alert(1)>"),
    ("html-after-a-byte-order-mark", "notes.txt", b"\xef\xbb\xbf<html><script>alert(1)</script>"),
    ("html-in-utf-16", "notes.txt", "<html><script>alert(1)</script></html>".encode("utf-16")),
    ("html-comment-then-script", "notes.md", b"<!-- notes -->\n<script>alert(1)</script>\n"),
    ("xhtml-as-txt", "notes.txt", XHTML),
    ("html-iframe-in-csv", "metrics.csv", b"a,b\n1,<iframe src=//evil.example>\n"),
    ("svg-as-png", "logo.png", SVG),
    ("svg-as-pdf", "logo.pdf", SVG),
    ("svg-as-txt", "logo.txt", SVG),
    ("svg-with-xml-declaration-as-png", "logo.png", SVG_XML),
    ("svgz-as-png", "logo.png", gzip.compress(SVG)),
    ("gif-svg-polyglot-as-png", "logo.png", b"GIF89a/*<svg onload=alert(1)>*/=1;"),
    ("svg-as-svg", "logo.svg", SVG),
    ("html-as-html", "page.html", HTML),
    ("markup-straddling-a-64-kb-chunk", "notes.txt", b"a" * 65_532 + b"<script>alert(1)</script>"),
    ("pdf-with-script-in-its-first-kilobyte", "report.pdf", b"%PDF-1.7\n" + HTML),
    ("pdf-with-svg-in-its-first-kilobyte", "report.pdf", b"%PDF-1.4\n%" + b"x" * 900 + SVG),
    ("pdf-html-polyglot-as-txt", "report.txt", b"%PDF-1.4\n<html><script>alert(1)</script>"),
    ("pdf-signature-after-whitespace", "report.pdf", b"  %PDF-1.4\n<html>"),
    ("png-signature-then-html", "chart.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>"),
    ("png-as-pdf", "report.pdf", samples.png()),
    ("pdf-as-png", "chart.png", samples.PDF),
    ("executable-as-pdf", "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
    ("zip-as-docx", "memo.docx", samples.plain_zip()),
    ("empty-pdf", "empty.pdf", b""),
    ("empty-txt", "empty.txt", b""),
    ("right-to-left-override-exe", "report\u202efdp.exe", samples.PDF),
]


@pytest.mark.parametrize(
    ("name", "data"),
    [(name, data) for _, name, data in REFUSED],
    ids=[label for label, _, _ in REFUSED],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_leaves_nothing(
    bob, alpha, sandbox, name, data
):
    before = state(sandbox)
    response = logged_in(bob).post(add_url(alpha.assessment), file_form(name, data))
    assert response.status_code == 400
    assert 'class="text-danger" role="alert"' in response.content.decode()
    assert state(sandbox) == before


def test_a_name_that_is_only_dots_is_no_file(bob, alpha, sandbox):
    before = state(sandbox)
    body, content_type = multipart(b'filename=".."', samples.PDF)
    response = logged_in(bob).post(add_url(alpha.assessment), body, content_type=content_type)
    assert response.status_code == 400
    assert "Choose a file" in response.content.decode()
    assert state(sandbox) == before


# Polyglots that pass the content checks: stored as what they are, never run ----------------

# A PNG, JPEG, late-HTML PDF or DOCX is what its signature says, and is accepted as
# that (content.py looks for markup only in text and in a PDF's first kilobyte, where
# browsers sniff). Whatever passes is only ever sent as an attachment of its own
# type, with nosniff and a sandboxing CSP: a browser saves it and runs nothing.
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"
PDF = content.KINDS["pdf"][0]
DOCX = content.KINDS["docx"][0]
POLYGLOTS = [
    ("png-then-html", "chart.png", samples.png() + SCRIPT, "image/png"),
    ("jpeg-then-html", "photo.jpg", samples.JPEG + SCRIPT, "image/jpeg"),
    ("pdf-with-html-after-its-first-kilobyte", "a.pdf", samples.PDF + b"%" * 1100 + SCRIPT, PDF),
    ("docx-with-an-html-part", "memo.docx", samples.docx(extra={"word/x.html": SCRIPT}), DOCX),
]


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [(name, data, content_type) for _, name, data, content_type in POLYGLOTS],
    ids=[label for label, *_ in POLYGLOTS],
)
def test_a_polyglot_that_passes_is_stored_as_its_type_and_downloaded_inert(
    bob, vera, alpha, name, data, content_type
):
    response = logged_in(bob).post(add_url(alpha.assessment), file_form(name, data))
    assert response.status_code == 302
    evidence = Evidence.objects.get(original_name=name)
    assert evidence.content_type == content_type
    download = logged_in(vera).get(
        reverse("evidence_download", args=[alpha.assessment.pk, evidence.pk])
    )
    assert download["Content-Type"] == content_type
    assert attachment_name(download) == name
    assert {header: download[header] for header in DOWNLOAD_HEADERS} == DOWNLOAD_HEADERS
    assert b"".join(download.streaming_content) == data


@pytest.mark.parametrize(
    ("declared", "name", "data", "status"),
    [
        (b"text/html", "a.pdf", samples.PDF, 302),
        (b"image/svg+xml", "a.png", samples.png(), 302),
        (b"application/pdf", "a.pdf", HTML, 400),
        (b"image/png", "a.png", SVG, 400),
    ],
    ids=["pdf-declared-html", "png-declared-svg", "html-declared-pdf", "svg-declared-png"],
)
def test_the_type_the_browser_declares_is_not_believed(
    bob, alpha, sandbox, declared, name, data, status
):
    before = state(sandbox)
    disposition = b'filename="' + name.encode() + b'"'
    body, content_type = multipart(disposition, data, declared)
    response = logged_in(bob).post(add_url(alpha.assessment), body, content_type=content_type)
    assert response.status_code == status
    if status == 400:
        assert state(sandbox) == before
    else:
        stored = Evidence.objects.get(original_name=name).content_type
        assert stored == content.KINDS[content.EXTENSIONS[name[-4:]]][0]


# Sizes: nothing over EVIDENCE_MAX_BYTES, and nothing left behind -----------------------------


@pytest.mark.parametrize(
    ("size", "accepted"),
    [(1, True), (1024, True), (1025, False), (64 * 1024 + 1, False), (300_000, False)],
    ids=["one-byte", "at-the-limit", "one-byte-over", "past-the-body-allowance", "far-over"],
)
def test_a_file_over_the_limit_is_refused_and_leaves_nothing(bob, alpha, sandbox, size, accepted):
    before = state(sandbox)
    with override_settings(EVIDENCE_MAX_BYTES=1024):
        response = logged_in(bob).post(add_url(alpha.assessment), file_form("a.txt", b"y" * size))
    if accepted:  # the control: the limit is inclusive
        assert response.status_code == 302
        assert Evidence.objects.get(original_name="a.txt").size == size
        return
    assert response.status_code == 400
    assert "larger than the limit of 1.0\xa0KB" in response.content.decode()
    assert state(sandbox) == before


# Links: only http and https, with a host and no credentials; shown as inert text -------------

# (label, url): each refused with 400, leaving no row.
REFUSED_LINKS = [
    ("javascript", "javascript:alert(document.domain)"),
    ("javascript-leading-space-mixed-case", " JaVaScRiPt:alert(1)"),
    ("javascript-leading-tab", "\tjavascript:alert(1)"),
    ("javascript-with-a-tab-inside", "java\tscript:alert(1)"),
    ("javascript-with-a-newline-inside", "java\nscript:alert(1)"),
    ("javascript-looking-like-a-url", "javascript://example.org/%0Aalert(1)"),
    ("javascript-entity-colon", "javascript&colon;alert(1)"),
    ("data-html", "data:text/html,<script>alert(1)</script>"),
    ("data-base64", "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("vbscript", "vbscript:msgbox(1)"),
    ("vbscript-mixed-case", "VbScRiPt:msgbox(1)"),
    ("file", "file:///etc/passwd"),
    ("ftp", "ftp://example.org/x"),
    ("blob", "blob:https://evil.example/0b4f"),
    ("mailto", "mailto:someone@evil.example"),
    ("protocol-relative", "//evil.example"),
    ("protocol-relative-with-path", "//evil.example/login"),
    ("backslashes", "\\\\evil.example\\share"),
    ("relative-path", "/admin/"),
    ("no-slashes", "https:evil.example"),
    ("three-slashes", "https:///evil.example"),
    ("credentials", "https://user:secret@evil.example/"),
    ("user-name-only", "https://bank.example@evil.example/"),
    ("backslash-before-at", "http://evil.example\\@bank.example/"),
    ("nul", "https://example.org/\x00"),
    ("leading-nul", "\x00javascript:alert(1)"),
    ("bad-port", "https://example.org:99999/"),
]


@pytest.mark.parametrize(
    "url", [url for _, url in REFUSED_LINKS], ids=[label for label, _ in REFUSED_LINKS]
)
def test_a_link_that_is_not_plain_http_or_https_is_refused(bob, alpha, sandbox, url):
    before = state(sandbox)
    response = logged_in(bob).post(add_url(alpha.assessment), link_form(url, "Looks harmless"))
    assert response.status_code == 400
    assert 'class="text-danger" role="alert"' in response.content.decode()
    assert state(sandbox) == before


# (label, url as posted, url as stored, title): accepted, and shown as text.
ACCEPTED_LINKS = [
    ("https", "https://example.org/card", "https://example.org/card", "Model card"),
    ("http-shouted", "HTTP://EXAMPLE.ORG/CARD", "HTTP://EXAMPLE.ORG/CARD", "Card"),
    ("surrounding-spaces", "  https://example.org/a  ", "https://example.org/a", "Card"),
    (
        "query-and-fragment",
        "https://example.org/a?b=c&d=e#f",
        "https://example.org/a?b=c&d=e#f",
        "x",
    ),
    (
        "markup-in-the-url",
        'https://example.org/"><script>alert(1)</script>',
        'https://example.org/"><script>alert(1)</script>',
        "Card",
    ),
    (
        "markup-in-the-title",
        "https://example.org/card",
        "https://example.org/card",
        '<img src=x onerror="alert(1)">',
    ),
]


@pytest.mark.parametrize(
    ("posted", "kept", "title"),
    [(posted, kept, title) for _, posted, kept, title in ACCEPTED_LINKS],
    ids=[label for label, *_ in ACCEPTED_LINKS],
)
def test_an_http_link_is_kept_as_text_and_shown_inert(bob, vera, alpha, posted, kept, title):
    response = logged_in(bob).post(add_url(alpha.assessment), link_form(posted, title))
    assert response.status_code == 302
    link = Evidence.objects.get(kind=Evidence.Kind.LINK, title=title)
    assert link.url == kept
    html = listing(logged_in(vera), alpha.assessment)
    # One <a>, whose href is exactly the link and whose text is exactly the title: no
    # markup of the user's became an element or an attribute.
    anchors = [(a, text) for a, text in Anchors(html).anchors if a.get("href") == kept]
    assert [text for _, text in anchors] == [title]
    assert anchors[0][0]["rel"] == "noopener noreferrer nofollow"
    tags = Tags(html).tags
    assert not [tag for tag, _ in tags if tag in ("script", "img")]
    assert not [attrs for _, attrs in tags if "onerror" in attrs]


# Downloads: an attachment of its own type, named safely, never sniffed, run or cached -------

# (name uploaded, content, its type, the name it is downloaded as): every accepted kind,
# and names that a header could be broken by.
DOWNLOADS = [(name, data, content_type, name) for name, data, content_type in samples.ALLOWED]
DOWNLOADS += [
    ('a"; filename="evil.html";.pdf', samples.PDF, PDF, 'a"; filename="evil.html";.pdf'),
    ("rapport d'audit é 🔒.pdf", samples.PDF, PDF, "rapport d'audit é 🔒.pdf"),
    ("..\\..\\x.pdf", samples.PDF, PDF, "x.pdf"),
    ("a\r\nSet-Cookie: x=y.pdf", samples.PDF, PDF, "aSet-Cookie: x=y.pdf"),
    ("README", samples.TEXT, "text/plain; charset=utf-8", "README.txt"),
]


@pytest.mark.parametrize(
    ("name", "data", "content_type", "shown"), DOWNLOADS, ids=[d[0] for d in DOWNLOADS]
)
def test_a_download_is_an_attachment_that_no_browser_renders_runs_or_keeps(
    alice, vera, alpha, name, data, content_type, shown
):
    """Stored through the service, which names a file by content.safe_name whatever
    sent it (Django's upload parsing strips paths and control characters as well)."""
    piece = add_file(alpha.assessment, alice, name, data)
    response = logged_in(vera).get(
        reverse("evidence_download", args=[alpha.assessment.pk, piece.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert attachment_name(response) == shown
    assert not CONTROL.search(response["Content-Disposition"])
    assert {header: response[header] for header in DOWNLOAD_HEADERS} == DOWNLOAD_HEADERS
    assert response["X-Frame-Options"] == "DENY"
    assert b"".join(response.streaming_content) == data


# What the server decides cannot be posted ----------------------------------------------------


def test_the_stored_fields_and_the_target_cannot_be_posted(bob, alpha, bravo, sandbox, settings):
    forged = {
        "storage_name": "../../../../etc/passwd",
        "original_name": "forged.html",
        "sha256": "0" * 64,
        "size": "1",
        "content_type": "text/html",
        "kind": "link",
        "url": "javascript:alert(1)",
        "uploaded_by": str(alpha.assessment.created_by_id),
        "uploaded_by_name": "alice",
        "uploaded_at": "2000-01-01T00:00:00Z",
        "assessment": str(bravo.assessment.pk),
        "item_key": "MIS-01",
        "id": "00000000-0000-4000-8000-00000000beef",
    }
    posted = {
        **file_form("report.pdf", samples.PDF),
        **{PREFIX + key: value for key, value in forged.items() if key != "url"},
        **forged,
    }
    response = logged_in(bob).post(add_url(alpha.assessment), posted)
    assert response.status_code == 302
    evidence = Evidence.objects.get(original_name="report.pdf")
    assert (evidence.assessment_id, evidence.item_key, evidence.kind) == (
        alpha.assessment.pk,
        ITEM,
        "file",
    )
    assert (evidence.content_type, evidence.size, evidence.url) == (
        "application/pdf",
        len(samples.PDF),
        "",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", evidence.storage_name)
    assert (evidence.uploaded_by_name, evidence.uploaded_by_id) == ("bob", bob.pk)
    assert str(evidence.pk) != forged["id"] and evidence.uploaded_at.year > 2000
    assert evidence.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert not bravo.assessment.evidence.exclude(pk__in=[bravo.file.pk, bravo.link.pk]).exists()
    assert (settings.EVIDENCE_ROOT / evidence.storage_name).read_bytes() == samples.PDF
