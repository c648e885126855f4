"""The evidence URLs of the adversarial sweep, the hostile uploads and links thrown at them,
and a snapshot of every row and file they could change.

Used by test_evidence_security.py. Evidence files are written under the test's own
directory (test_evidence_security.py's `sandbox` fixture): EVIDENCE_ROOT and the
upload spool both sit inside it, so `files(sandbox)` sees anything written through
the evidence views, inside the root or escaped from it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.evidence import samples
from tests.security import deployment_support

ITEM = "INQ-01"
PREFIX = f"ev-add-{ITEM}-"
ALPHA_FILE = "alpha-model-card.pdf"
BRAVO_FILE = "bravo-secret-pentest.pdf"
BRAVO_LINK = ("Bravo unreleased audit", "https://bravo.internal.example/audit")
# What alice's team's evidence shows, and charlie's: neither may reach the other team.
ALPHA_MARKERS = [*deployment_support.ALPHA_MARKERS, "alpha-model-card"]
BRAVO_MARKERS = [*deployment_support.BRAVO_MARKERS, "bravo-secret-pentest", "bravo.internal"]
# Every response to a download carries exactly these (besides its type and name).
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Cache-Control": "private, no-store",
}


# Snapshots -----------------------------------------------------------------------------------


def files(directory: Path) -> dict[str, str]:
    """Every file under `directory`, by path relative to it, with its SHA-256."""
    if not directory.exists():
        return {}
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def state(sandbox: Path) -> dict:
    """Every column of every row of the teams, assessments and deployments
    (deployment_support.state), of evidence and its history, and every file in the
    sandbox: what any request of this sweep could change."""
    snapshot = deployment_support.state()
    for model in apps.get_app_config("evidence").get_models():
        columns = [f.attname for f in model._meta.concrete_fields]
        snapshot[model._meta.label] = list(model.objects.order_by("pk").values_list(*columns))
    snapshot["files"] = files(sandbox)
    return snapshot


# Requests ------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return samples.upload(name, data)


def file_form(name: str = "hostile.pdf", data: bytes = samples.PDF) -> dict:
    """The add form with a file, as the item's form posts it: valid for an editor."""
    return {PREFIX + "file": upload(name, data)}


def link_form(url: str = "https://example.org/card", title: str = "Model card") -> dict:
    return {PREFIX + "url": url, PREFIX + "title": title}


BOUNDARY = "----riskassess-evidence-boundary"


def multipart(
    disposition: bytes, data: bytes, part_type: bytes = b"application/octet-stream"
) -> tuple[bytes, str]:
    """A multipart body, built byte for byte, with the add form's file part.

    Django's test client strips the path from a file name before sending it
    (os.path.basename): to send `../../x` or `..\\..\\x.pdf` as a browser or an
    attacker would, the part's Content-Disposition is written here as given,
    e.g. `filename="../../x"` or RFC 2231's `filename*=UTF-8''..%2Fx.pdf`, with the
    part's declared `part_type` (which the server must not believe).
    Returns (body, content type) for `client.post(url, body, content_type=...)`.
    """
    boundary = BOUNDARY.encode()
    body = b"\r\n".join(
        [
            b"--" + boundary,
            b'Content-Disposition: form-data; name="' + PREFIX.encode() + b'file"; ' + disposition,
            b"Content-Type: " + part_type,
            b"",
            data,
            b"--" + boundary + b"--",
            b"",
        ]
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def attachment_name(response) -> str | None:
    """The file name a browser reads from the response's Content-Disposition (RFC 6266,
    with RFC 2231's `filename*`), or None when it is not an attachment."""
    message = Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    if message.get_content_disposition() != "attachment":
        return None
    return message.get_filename()


# The evidence URLs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    """One evidence URL of an assessment, the methods it accepts, and a request its
    team's member could make.

    `on` is what follows the assessment id: the item's key, or an evidence id.
    `data` builds the POST body afresh for each request (an upload is read once).
    `editor`: the POST needs the editor role, and a member's POST writes.
    """

    label: str
    name: str
    on: str  # "item" or "evidence"
    get: bool = True
    post: bool = True
    data: Callable[[], dict] | None = None
    editor: bool = False

    def url(self, assessment_id, evidence_id) -> str:
        target = ITEM if self.on == "item" else evidence_id
        return reverse(self.name, args=[assessment_id, target])

    def allows(self, method: str) -> bool:
        return self.get if method == "get" else self.post

    def send(self, client: Client, method: str, assessment_id, evidence_id):
        url = self.url(assessment_id, evidence_id)
        if method == "get":
            return client.get(url)
        return client.post(url, self.data() if self.data else {})

    def __str__(self) -> str:
        return self.label


URLS = [
    # require_GET: a POST is 405 for everyone, decided before any lookup.
    Url("list", "item_evidence", "item", post=False),
    # require_POST: a GET is 405 for everyone.
    Url("add-file", "evidence_add", "item", get=False, data=file_form, editor=True),
    Url("add-link", "evidence_add", "item", get=False, data=link_form, editor=True),
    Url("remove", "evidence_remove", "evidence", get=False, editor=True),
    Url("download", "evidence_download", "evidence", post=False),
]
CASES = [(url, method) for url in URLS for method in ("get", "post")]
CASE_IDS = [f"{method.upper()} {url}" for url, method in CASES]
EDITOR_CASES = [(url, "post") for url in URLS if url.editor]
EDITOR_IDS = [f"POST {url}" for url, _ in EDITOR_CASES]
READ_CASES = [(url, "get") for url in URLS if url.get]
READ_IDS = [f"GET {url}" for url, _ in READ_CASES]
# Each view once (add-file and add-link are one view).
ONE_PER_VIEW = list({url.name: url for url in URLS}.values())
# The URLs that name a piece of evidence: the id is checked against the assessment.
BY_EVIDENCE = [url for url in URLS if url.on == "evidence"]


def random_id() -> uuid.UUID:
    return uuid.uuid4()


class Anchors(HTMLParser):
    """Every <a> of a page: (its attributes, its text as the browser shows it)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict, str]] = []
        self._open: list[tuple[dict, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open.append((dict(attrs), []))

    def handle_data(self, data):
        for _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            attrs, text = self._open.pop()
            self.anchors.append((attrs, "".join(text)))
