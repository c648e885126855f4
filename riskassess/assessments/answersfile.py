"""Answers files (contracts.md §3): a checklist answered outside the web app.

One parser serves the `assess` command and the web import, so both refuse
the same files with the same messages. Every refusal is one line that names
the offending key and what is allowed there, because it ends up in a CI log
or under a form field. Parsing reads the checklist; it never writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from riskassess import yamlfiles
from riskassess.assessments.data import build_data
from riskassess.assessments.models import COMMENT_MAX, CONTEXT_MAX, TITLE_MAX, Answer
from riskassess.checklist.models import Category, Checklist, Item, Option
from riskassess.checklist.selectors import checklist_trees
from riskassess.yamlfiles import SHOW_MAX, shown

DEFAULT_CHECKLIST = "foundation-model-risks"
FIELDS = ("checklist", "version", "assessment", "answers")
DETAIL_LIMITS = {
    "title": TITLE_MAX,
    "model": TITLE_MAX,
    "base_model": TITLE_MAX,
    "context": CONTEXT_MAX,
}
ANSWER_FIELDS = ("answer", "comment")

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
TOO_DEEP = "the file is nested too deeply to be an answers file"


class AnswersFileError(ValueError):
    """A refused answers file. The message is one line, whatever the file contained."""

    def __init__(self, message: str):
        # Keys and values come from the file; a line break in one must not
        # turn the message into two lines (str.split() also knows U+2028).
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class AnswersFile:
    checklist: Checklist
    # title, model, base_model, context: stripped text, "" when not given.
    details: dict[str, str]
    # Item key -> (option key, comment). The option is None for an item left
    # empty with a comment; items left empty without one are not listed.
    answers: dict[str, tuple[str | None, str]]
    # The checklist tree (checklist_trees) the answers were checked against.
    tree: list[Category] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Built:
    data: dict  # assessment data, as assessments/data.py describes it
    missing: list[str]  # keys of required items without an answer, in checklist order


def parse(raw: bytes | str, *, default_title: str = "") -> AnswersFile:
    """Read and check an answers file against a published checklist in the database.

    `default_title` is used when the file gives no title; when both are
    empty the file is refused. Raises AnswersFileError.
    """
    content = _load(raw)
    if content is None:
        raise AnswersFileError("the file is empty; it needs at least answers: (e.g. INQ-01: yes)")
    if not isinstance(content, dict):
        raise AnswersFileError(
            f"the file must be a mapping with {', '.join(FIELDS)}, not {_kind(content)}"
        )
    for key in content:
        if key not in FIELDS:
            raise AnswersFileError(f"{_key(key)}: unknown field; allowed: {', '.join(FIELDS)}")
    checklist = _checklist(content.get("checklist"), content.get("version"))
    details = _details(content.get("assessment"), default_title)
    if "answers" not in content:
        raise AnswersFileError("answers: missing; map item keys to options, e.g. INQ-01: yes")
    tree = checklist_trees([checklist.pk])[checklist.pk]
    answers = _answers(content["answers"], checklist, tree)
    return AnswersFile(checklist=checklist, details=details, answers=answers, tree=tree)


def answer_rows(parsed: AnswersFile) -> list[tuple[Item, Option | None, str]]:
    """(item, option, comment) for each answer of the file, with the tree's own rows."""
    items = {item.key: item for category in parsed.tree for item in category.item_list}
    rows = []
    for key, (option_key, comment) in parsed.answers.items():
        item = items[key]
        option = next((o for o in item.option_list if o.key == option_key), None)
        rows.append((item, option, comment))
    return rows


def build(parsed: AnswersFile) -> Built:
    """Assessment data for a parsed file, from unsaved answers: no database writes."""
    answers = {
        item.pk: Answer(item=item, option=option, comment=comment)
        for item, option, comment in answer_rows(parsed)
    }
    data = build_data(parsed.checklist, parsed.tree, answers)
    missing = [i["key"] for i in data["items"] if i["required"] and i["answer"] is None]
    return Built(data=data, missing=missing)


# Reading the file


class _DuplicateKey(Exception):
    pass


class _LongNumber(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    mapping: dict = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _number(convert):
    """parse_int and parse_float for json.loads: the length bound of yamlfiles, same message."""

    def parse_number(text: str):
        if len(text) > yamlfiles.MAX_NUMBER_CHARS:
            raise _LongNumber
        return convert(text)

    return parse_number


_JSON_INT, _JSON_FLOAT = _number(int), _number(float)


def _load(raw: bytes | str) -> Any:
    """YAML through yamlfiles.load; a file that opens with "{" is tried as JSON first.

    PyYAML reads most JSON, but not tab indentation, and it leaves the escaped
    surrogate pairs that json.dump writes for every emoji as two broken
    characters. So JSON gets a JSON parser (refusing duplicate keys too) and
    the YAML one only if that fails: flow-style YAML also opens with "{".
    Both apply yamlfiles' limits (depth, number of values, length of a number)
    before the content is looked at.
    """
    try:
        text = yamlfiles.read_text(raw)
    except yamlfiles.FileFormatError as exc:
        raise AnswersFileError(str(exc)) from None
    json_error = None
    try:
        if text.lstrip().startswith("{"):
            try:
                content = json.loads(
                    text,
                    object_pairs_hook=_no_duplicates,
                    parse_int=_JSON_INT,
                    parse_float=_JSON_FLOAT,
                )
            except _DuplicateKey as exc:
                raise AnswersFileError(f"duplicate key {shown(exc.args[0])}") from None
            except _LongNumber:
                raise AnswersFileError(yamlfiles.NUMBER_TOO_LONG) from None
            except RecursionError:
                # The C parser stops at Python's recursion limit, long before the stack runs out.
                raise AnswersFileError(TOO_DEEP) from None
            except json.JSONDecodeError as exc:
                json_error = exc
            else:
                yamlfiles.check_limits(content)
                return content
        return yamlfiles.load(text)
    except yamlfiles.TooDeep:
        raise AnswersFileError(TOO_DEEP) from None
    except yamlfiles.FileFormatError as exc:
        if json_error is not None:
            raise AnswersFileError(
                f"malformed JSON: line {json_error.lineno}, column {json_error.colno}: "
                f"{json_error.msg}"
            ) from None
        raise AnswersFileError(str(exc)) from None


# Showing what the file said


def _key(key: Any) -> str:
    """A key as it appears in a message: plain when it is a plain word, quoted otherwise."""
    if isinstance(key, str) and _PLAIN.fullmatch(key) and len(key) <= SHOW_MAX:
        return key
    return shown(key)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {shown(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return type(value).__name__


def _text(where: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        hint = " (put it in quotes)" if isinstance(value, int | float) else ""
        raise AnswersFileError(f"{where}: must be text, not {_kind(value)}{hint}")
    if "\x00" in value:
        raise AnswersFileError(f"{where}: contains a NUL character, which cannot be stored")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # JSON can carry a lone "\ud800"; the database would refuse it with a 500.
            raise AnswersFileError(
                f"{where}: contains an invalid character (an unpaired surrogate)"
            ) from None
    value = value.strip()
    if len(value) > limit:
        raise AnswersFileError(f"{where}: {len(value):,} characters; the limit is {limit:,}")
    return value


# The parts of the file


def _checklist(slug: Any, version: Any) -> Checklist:
    """The published checklist the file names: its slug's newest version unless it says which."""
    if slug is None:
        slug = DEFAULT_CHECKLIST
    elif not isinstance(slug, str) or not slug.strip():
        raise AnswersFileError(
            f"checklist: must be a checklist slug such as {DEFAULT_CHECKLIST}, not {_kind(slug)}"
        )
    if version is not None and (type(version) is not int or version < 1):
        raise AnswersFileError(f"version: must be a whole number such as 1, not {shown(version)}")
    published = list(Checklist.objects.published().order_by("slug", "-version"))
    versions = [c for c in published if c.slug == slug]
    if not versions:
        known = ", ".join(f"{c.slug} v{c.version}" for c in published) or (
            "none (an administrator loads one with manage.py load_checklist)"
        )
        raise AnswersFileError(
            f"checklist: no published checklist {shown(slug)}; published: {known}"
        )
    if version is None:
        return versions[0]
    for checklist in versions:
        if checklist.version == version:
            return checklist
    known = ", ".join(f"v{c.version}" for c in versions)
    raise AnswersFileError(
        f"version: {slug} has no published version {shown(version)}; published: {known}"
    )


def _details(raw: Any, default_title: str) -> dict[str, str]:
    allowed = ", ".join(DETAIL_LIMITS)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AnswersFileError(f"assessment: must be a mapping of {allowed}, not {_kind(raw)}")
    for key in raw:
        if key not in DETAIL_LIMITS:
            raise AnswersFileError(f"assessment.{_key(key)}: unknown field; allowed: {allowed}")
    details = {}
    for name, limit in DETAIL_LIMITS.items():
        value = raw.get(name)
        details[name] = "" if value is None else _text(f"assessment.{name}", value, limit)
    if not details["title"]:
        details["title"] = default_title.strip()[:TITLE_MAX]
    if not details["title"]:
        raise AnswersFileError("assessment.title: missing; give the assessment a title")
    return details


def _loose(key: str) -> str:
    """A key without case, separators or leading zeros: INQ-1 and inq01 are INQ-01."""
    key = re.sub(r"[^0-9a-z]", "", key.casefold())
    # Not int(): a run of 5,000 digits is more than Python converts.
    return re.sub(r"\d+", lambda m: m.group().lstrip("0") or "0", key)


def _ranges(tree: list[Category], answerable: dict[str, Item]) -> str:
    """Item keys per category, compactly: INQ-01…INQ-15, MIS-01…MIS-15 (30 in all)."""
    parts = []
    for category in tree:
        keys = [item.key for item in category.item_list if item.key in answerable]
        if len(keys) > 2:
            parts.append(f"{keys[0]}…{keys[-1]}")
        elif keys:
            parts.append(", ".join(keys))
    return f"{', '.join(parts)} ({len(answerable)} in all)"


def _option(where: str, item: Item, raw: Any, comment: str) -> str | None:
    options: dict[str, Option] = {o.key: o for o in item.option_list}
    allowed = ", ".join(options) or "none"
    if raw is None:
        return None
    option = None
    if isinstance(raw, str):
        wanted = raw.strip()
        option = options.get(wanted)
        if option is None:
            # "Yes" for yes: what people type, as long as it names one option only.
            folded = [o for key, o in options.items() if key.casefold() == wanted.casefold()]
            option = folded[0] if len(folded) == 1 else None
    if option is None:
        raise AnswersFileError(f"{where}: {shown(raw)} is not an option; allowed: {allowed}")
    if option.not_applicable and not comment:
        raise AnswersFileError(
            f"{where}: {option.key!r} ({option.label}) needs a justification comment, "
            f'e.g. {item.key}: {{answer: {option.key}, comment: "why it does not apply"}}'
        )
    return option.key


def _answers(raw: Any, checklist: Checklist, tree: list[Category]) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AnswersFileError(
            f"answers: must be a mapping of item keys to options (e.g. INQ-01: yes), "
            f"not {_kind(raw)}"
        )
    every = {item.key: item for category in tree for item in category.item_list}
    # A retired category retires its items too: the questionnaire no longer shows them.
    answerable = {
        item.key: item
        for category in tree
        if category.active
        for item in category.item_list
        if item.active
    }
    folded = {key.casefold(): key for key in every}
    answers: dict[str, tuple[str | None, str]] = {}
    seen: set[str] = set()
    for raw_key, value in raw.items():
        where = f"answers.{_key(raw_key)}"
        # A key that is no string (1: yes, a date, binary data) is shown, never str()'d whole.
        text_key = raw_key if isinstance(raw_key, str) else shown(raw_key)
        key = text_key if text_key in every else folded.get(text_key.casefold())
        if key is None:
            loose = _loose(text_key) if len(text_key) <= SHOW_MAX else None
            close = [k for k in answerable if _loose(k) == loose]
            hint = f" (did you mean {close[0]}?)" if len(close) == 1 else ""
            raise AnswersFileError(
                f"{where}: unknown item{hint}; items of {checklist.slug} v{checklist.version} "
                f"are {_ranges(tree, answerable)}"
            )
        if key not in answerable:
            raise AnswersFileError(
                f"{where}: {key} is retired from {checklist.slug} v{checklist.version} "
                "and cannot be answered; remove it from the file"
            )
        if key in seen:
            raise AnswersFileError(f"{where}: {key} is answered twice")
        seen.add(key)

        item = answerable[key]
        allowed = ", ".join(o.key for o in item.option_list)
        if isinstance(value, dict):
            for name in value:
                if name not in ANSWER_FIELDS:
                    raise AnswersFileError(
                        f"{where}.{_key(name)}: unknown field; allowed: {', '.join(ANSWER_FIELDS)}"
                    )
            option_raw, comment_raw = value.get("answer"), value.get("comment")
        elif isinstance(value, list):
            raise AnswersFileError(
                f"{where}: must be one option or {{answer, comment}}, not a list; "
                f"allowed: {allowed}"
            )
        else:
            option_raw, comment_raw = value, None
        comment = "" if comment_raw is None else _text(f"{where}.comment", comment_raw, COMMENT_MAX)
        option_key = _option(where, item, option_raw, comment)
        if option_key is not None or comment:
            answers[key] = (option_key, comment)
    return answers
