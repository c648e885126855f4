"""Tiny valid files of each accepted type, and hostile ones, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
JPEG += b"\xff\xd9"
TEXT = "Pen test report, 2026: no finding. Ünïcødé ✓\n".encode()
MARKDOWN = b"# Model card\n\n* Trained on public data\n"
CSV = b"metric,value\naccuracy,0.91\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + _chunk(b"IEND", b"")
    )


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def office(part: str, main_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(part, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(**kwargs) -> bytes:
    return office("word/document.xml", DOCX_TYPE, **kwargs)


def xlsx(**kwargs) -> bytes:
    return office("xl/workbook.xml", XLSX_TYPE, **kwargs)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


ALLOWED = [
    ("report.pdf", PDF, "application/pdf"),
    ("chart.png", png(), "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("notes.txt", TEXT, "text/plain; charset=utf-8"),
    ("card.md", MARKDOWN, "text/markdown; charset=utf-8"),
    ("metrics.csv", CSV, "text/csv; charset=utf-8"),
    ("data.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "memo.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]
