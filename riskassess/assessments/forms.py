"""What the questionnaire receives: the page's form post and the autosave JSON.

Each item posts `<KEY>-option`, `<KEY>-comment` and `<KEY>-version`; the page
adds `<KEY>-original`, a fingerprint of the values it was loaded with, so that
an item the user did not touch is left alone even if someone else has changed
it since (without it, the item is compared with what is stored).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.http import HttpRequest, QueryDict

MAX_BODY = 64 * 1024


def fingerprint(option: str | None, comment: str) -> str:
    text = f"{option or ''}\x00{lf(comment)}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def lf(text: str) -> str:
    # Browsers post textarea line breaks as CRLF; stored comments use LF.
    return text.replace("\r\n", "\n")


@dataclass
class ItemForm:
    """One item's values as the form shows them, and what happened when they were posted."""

    option: str | None
    comment: str
    version: int | str  # as posted; the stored version once the server knows it
    original: str
    errors: dict[str, str] = field(default_factory=dict)
    conflict: dict | None = None
    saved: bool = False

    @classmethod
    def stored(cls, item: dict) -> ItemForm:
        return cls(
            item["answer"],
            item["comment"],
            item["version"],
            fingerprint(item["answer"], item["comment"]),
        )

    @classmethod
    def posted(cls, post: QueryDict, item: dict) -> ItemForm | None:
        """The posted values, or None when the form did not include the item."""
        key = item["key"]
        if f"{key}-version" not in post:
            return None
        comment = post.get(f"{key}-comment")
        return cls(
            option=post.get(f"{key}-option") or None,
            # A missing comment field means "not edited", never "erase the comment".
            comment=item["comment"] if comment is None else lf(comment),
            version=post[f"{key}-version"],
            original=post.get(f"{key}-original", ""),
        )

    def same_as(self, item: dict) -> bool:
        return self.option == item["answer"] and self.comment == lf(item["comment"])


class BadRequest(ValueError):
    """A malformed autosave request; `field` names the offending member, if one."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


def parse_json(request: HttpRequest) -> tuple[str | None, str, int]:
    """The autosave body: {"option": key or null, "comment": str, "version": int}."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY or len(body := request.body) > MAX_BODY:
        raise BadRequest("The request is too large: an answer is sent in at most 64 KiB.")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("The request is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BadRequest('Send a JSON object: {"option": …, "comment": …, "version": …}.')
    option = payload.get("option")
    if option is not None and not isinstance(option, str):
        raise BadRequest("option must be an option key (a string) or null.", "option")
    comment = payload.get("comment")
    if not isinstance(comment, str):
        raise BadRequest("comment must be a string (empty for no comment).", "comment")
    version = payload.get("version")
    if type(version) is not int or version < 0:
        raise BadRequest("version must be the whole number the page was loaded with.", "version")
    return option or None, lf(comment), version
