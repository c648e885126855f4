"""What an uploaded file is, decided by its content; and its name, made safe to show.

An allow-list: PDF, PNG, JPEG, UTF-8 text (plain, Markdown, CSV), XLSX, DOCX.
The first bytes (and for DOCX and XLSX the ZIP's directory and its
[Content_Types].xml) decide the type before anything is stored; a text file
is checked to its end while it streams to storage (TextCheck). The file's
extension must agree with its content. No third-party sniffer: the checks are
a handful of signatures plus the ZIP and UTF-8 checks a sniffer does not do.

HTML and SVG are refused in any guise: a text file that contains markup, and a
PDF with markup in its first kilobyte (where browsers sniff; a PDF/HTML
polyglot). Whatever passes is still only ever served as an attachment with
nosniff and a sandboxing CSP (views.evidence_download).
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
import zipfile
import zlib

ACCEPTED = "PDF, PNG, JPEG, plain text, Markdown, CSV, XLSX and DOCX files are accepted."

# kind: (content type, extension for a name without one)
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "text": ("text/plain; charset=utf-8", ".txt"),
    "markdown": ("text/markdown; charset=utf-8", ".md"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}
EXTENSIONS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".docx": "docx",
}
TEXT_KINDS = {"text", "markdown", "csv"}
LABELS = {"pdf": "a PDF", "png": "a PNG image", "jpeg": "a JPEG image", "xlsx": "an XLSX"}
LABELS |= {"docx": "a DOCX", "text": "text", "markdown": "text", "csv": "text"}

# Markup a browser would run or render, in any case (lowercased before matching).
MARKUP = (
    "<html", "<head", "<body", "<script", "<svg", "<iframe", "<object", "<embed",
    "<!doctype", "<?xml", "<style", "<meta", "<link", "<frameset", "<xml",
)  # fmt: skip
_MARKUP_TAIL = max(len(m) for m in MARKUP) - 1

# ZIP (DOCX, XLSX): bounds that refuse a zip bomb before anything is decompressed.
ZIP_MAX_MEMBERS = 2_000
ZIP_MAX_UNCOMPRESSED = 250 * 1024 * 1024
ZIP_MAX_RATIO = 200  # a member that expands more than this (and past 1 MB) is a bomb
CONTENT_TYPES_MAX = 512 * 1024
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

NAME_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Refused(Exception):
    """The file is not accepted; the message says why, for the uploader."""


def safe_name(name: str, kind: str | None = None) -> str:
    """The file's own name without any path, control or format characters, bounded.

    `../../x.pdf` → `x.pdf`; `C:\\a\\b.png` → `b.png`. A name with no extension
    gets the one of its kind, so that the download opens with the right program.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in name if not _CONTROL.match(c) and unicodedata.category(c) not in {"Cf", "Zl"}
    )
    name = name.strip().strip(".").strip() or "evidence"
    stem, ext = os.path.splitext(name)
    if kind and ext.lower() not in EXTENSIONS:
        stem, ext = name, KINDS[kind][1]
    return stem[: NAME_MAX - len(ext)] + ext


def has_markup(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in MARKUP)


def detect(upload) -> str:
    """The kind of an uploaded file (a key of KINDS), or Refused with the reason."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not head:
        raise Refused("The file is empty.")
    ext = os.path.splitext(safe_name(upload.name))[1].lower()
    if ext and ext not in EXTENSIONS:
        raise Refused(f"Files ending in {ext} are not accepted. {ACCEPTED}")

    if head.startswith(b"%PDF-"):
        if has_markup(head[:1024].decode("latin-1")):
            raise Refused("This PDF also contains HTML (a polyglot file): it is not accepted.")
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"PK\x03\x04"):
        kind = office_kind(upload)
    elif b"\x00" not in head:
        # Text, if it decodes: checked here for its start, by TextCheck to its end.
        kind = EXTENSIONS.get(ext) if EXTENSIONS.get(ext) in TEXT_KINDS else "text"
        # The head may end inside a character, unless it is the whole file.
        TextCheck().feed(head, final=len(head) < 8192)
    else:
        raise Refused(f"This file's content is not of an accepted type. {ACCEPTED}")

    expected = EXTENSIONS.get(ext)
    if expected and expected != kind and not (expected in TEXT_KINDS and kind in TEXT_KINDS):
        raise Refused(f"The name ends in {ext} but the file is {LABELS[kind]}.")
    return kind


class TextCheck:
    """Checks text as it streams: UTF-8, no NUL byte, no HTML or SVG markup."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._tail = ""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if b"\x00" in chunk:
            raise Refused("This text file contains a NUL byte: it is not accepted as text.")
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise Refused("This text file is not valid UTF-8: save it as UTF-8.") from None
        window = self._tail + text
        if has_markup(window):
            raise Refused("This file contains HTML or SVG markup: it is not accepted.")
        self._tail = window[-_MARKUP_TAIL:]

    def finish(self) -> None:
        self.feed(b"", final=True)


def office_kind(upload) -> str:
    """ "docx" or "xlsx" for a ZIP that is one (by its [Content_Types].xml and main
    part), after checking the ZIP's bounds; Refused otherwise. Nothing is extracted."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _check_bounds(members)
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names:
                raise Refused("This ZIP archive is not a DOCX or XLSX file.")
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise Refused("Documents with macros are not accepted.")
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                raise Refused("This file's [Content_Types].xml is too large.")
            with archive.open(info) as part:
                types = part.read(CONTENT_TYPES_MAX + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise Refused("This ZIP file is damaged or encrypted: it cannot be checked.") from exc
    finally:
        upload.seek(0)
    if DOCX_MAIN in types and "word/document.xml" in names:
        return "docx"
    if XLSX_MAIN in types and "xl/workbook.xml" in names:
        return "xlsx"
    raise Refused("This ZIP archive is not a DOCX or XLSX file.")


def _check_bounds(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > ZIP_MAX_MEMBERS:
        raise Refused(f"This file has more than {ZIP_MAX_MEMBERS} parts: it is not accepted.")
    if sum(member.file_size for member in members) > ZIP_MAX_UNCOMPRESSED:
        raise Refused("This file expands to too much data (a zip bomb?): it is not accepted.")
    for member in members:
        if member.flag_bits & 0x1:
            raise Refused("Encrypted documents are not accepted.")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > ZIP_MAX_RATIO:
            raise Refused("This file expands to too much data (a zip bomb?): it is not accepted.")
