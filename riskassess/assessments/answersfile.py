"""Answers files (contracts.md §3): a checklist answered outside the web app.

One parser serves the `assess` command and the web import, so both refuse
the same files with the same messages. Every problem is one line that names
the offending key and what is allowed there, because it ends up in a CI log
or under a form field. `assess` reports the first problem; the web import
asks for every one (`every_problem=True`: the first MAX_PROBLEMS, then how
many more, as load_checklist does). Parsing reads the checklist; it never writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from riskassess import yamlfiles
from riskassess.assessments import data_v2
from riskassess.assessments.answersfile_v2 import parse_profile
from riskassess.assessments.data import build_data
from riskassess.assessments.models import COMMENT_MAX, CONTEXT_MAX, TITLE_MAX, Answer
from riskassess.checklist.models import Category, Checklist, Item, Option
from riskassess.checklist.selectors import checklist_trees, format_2_parts
from riskassess.checklist.spec import MAX_ERRORS
from riskassess.yamlfiles import SHOW_MAX, shown

DEFAULT_CHECKLIST = "foundation-model-risks"
FIELDS = ("checklist", "version", "assessment", "profile", "answers")
DETAIL_LIMITS = {
    "title": TITLE_MAX,
    "model": TITLE_MAX,
    "base_model": TITLE_MAX,
    "context": CONTEXT_MAX,
}
# What the New assessment form requires beside the title: the web import
# requires them too (require_details=True), so that it never creates an
# assessment the Details form would refuse. `assess` writes no record and does not.
REQUIRED_DETAILS = {
    "model": "the model name and version",
    "base_model": "the base foundation model",
    "context": "the deployment context",
}
ANSWER_FIELDS = ("answer", "comment")
MAX_PROBLEMS = MAX_ERRORS

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
TOO_DEEP = "the file is nested too deeply to be an answers file"


def _one_line(message: str) -> str:
    # Keys and values come from the file; a line break in one must not
    # turn the message into two lines (str.split() also knows U+2028).
    return " ".join(message.split())


class AnswersFileError(ValueError):
    """A refused answers file. The message is one line, whatever the file contained.

    `problems` lists the problems found, one line each: only the first unless
    parse() was asked for every problem, then at most MAX_PROBLEMS and a last
    line "and N more problems". `count` is how many were found in all.
    """

    def __init__(self, message: str, problems: list[str] | None = None, count: int = 1):
        message = _one_line(message)
        self.problems = problems or [message]
        self.count = count
        if count > 1:
            message += f" (and {_more(count - 1)})"
        super().__init__(message)


def _more(count: int) -> str:
    return f"{count:,} more problem{'s' if count != 1 else ''}"


class _Problems:
    """Where parse() reports what it finds wrong.

    By default the first problem is raised at once (what `assess` reports).
    Collecting, each is noted and the checks go on, so that one refusal lists
    them all; `stop` is for a problem after which further checks would be
    meaningless.
    """

    def __init__(self, collect: bool):
        self.collect = collect
        self.found: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        if not self.collect:
            raise AnswersFileError(message)
        self.count += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(_one_line(message))

    def stop(self, message: str) -> NoReturn:
        self.add(message)
        raise self.refusal()

    def refusal(self) -> AnswersFileError:
        left = self.count - len(self.found)
        more = [f"and {_more(left)}"] if left else []
        return AnswersFileError(self.found[0], self.found + more, self.count)

    def raise_any(self) -> None:
        if self.count:
            raise self.refusal()


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
    # Format 2: profile question key -> chosen option keys, and the checklist's
    # profile and frameworks (selectors.format_2_parts).
    profile: dict[str, list[str]] = field(default_factory=dict)
    parts: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Built:
    data: dict  # assessment data, as assessments/data.py describes it
    missing: list[str]  # keys of required items without an answer, in checklist order


def parse(
    raw: bytes | str,
    *,
    default_title: str = "",
    require_details: bool = False,
    every_problem: bool = False,
) -> AnswersFile:
    """Read and check an answers file against a published checklist in the database.

    `default_title` is used when the file gives no title; when both are
    empty the file is refused. `require_details` refuses a file without
    model, base_model or context (REQUIRED_DETAILS). Raises AnswersFileError:
    at the first problem, or, with `every_problem`, after checking everything
    that can be checked, with every problem in its `problems`.
    """
    problems = _Problems(collect=every_problem)
    # Structural problems stop the checks, collecting or not: an unreadable
    # file, an empty one or one that is not a mapping has no fields to check,
    # and without a known checklist the answers cannot be checked (_checklist).
    content = _load(raw)
    if content is None:
        problems.stop("the file is empty; it needs at least answers: (e.g. INQ-01: yes)")
    if not isinstance(content, dict):
        problems.stop(f"the file must be a mapping with {', '.join(FIELDS)}, not {_kind(content)}")
    for key in content:
        if key not in FIELDS:
            problems.add(f"{_key(key)}: unknown field; allowed: {', '.join(FIELDS)}")
    checklist = _checklist(content.get("checklist"), content.get("version"), problems)
    details = _details(content.get("assessment"), default_title, require_details, problems)
    if "answers" not in content:
        problems.add("answers: missing; map item keys to options, e.g. INQ-01: yes")
        problems.raise_any()
    tree = checklist_trees([checklist.pk])[checklist.pk]
    parts, profile = {}, {}
    if checklist.format == 2:
        parts = format_2_parts([checklist.pk])[checklist.pk]
        profile = parse_profile(content.get("profile"), parts["profile"], problems)
    elif content.get("profile") is not None:
        problems.add(f"profile: {checklist.slug} v{checklist.version} has no profile questions")
    answers = _answers(content["answers"], checklist, tree, problems)
    problems.raise_any()
    return AnswersFile(
        checklist=checklist,
        details=details,
        answers=answers,
        tree=tree,
        profile=profile,
        parts=parts,
    )


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
    data = build_data(
        parsed.checklist, parsed.tree, answers, parts=parsed.parts, profile=parsed.profile
    )
    if data_v2.is_v2(data):
        # Only what applies must be answered, and the profile too (contracts.md §7).
        missing = data_v2.missing(data)
    else:
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


def _text(where: str, value: Any, limit: int, problems: _Problems) -> str | None:
    """The text, stripped; None when it is refused (the problem is noted)."""
    if not isinstance(value, str):
        hint = " (put it in quotes)" if isinstance(value, int | float) else ""
        problems.add(f"{where}: must be text, not {_kind(value)}{hint}")
        return None
    if "\x00" in value:
        problems.add(f"{where}: contains a NUL character, which cannot be stored")
        return None
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # JSON can carry a lone "\ud800"; the database would refuse it with a 500.
            problems.add(f"{where}: contains an invalid character (an unpaired surrogate)")
            return None
    value = value.strip()
    if len(value) > limit:
        problems.add(f"{where}: {len(value):,} characters; the limit is {limit:,}")
        return None
    return value


# The parts of the file


def _checklist(slug: Any, version: Any, problems: _Problems) -> Checklist:
    """The published checklist the file names: its slug's newest version unless it says which.

    A problem here stops the checks: the answers are checked against the checklist.
    """
    if slug is None:
        slug = DEFAULT_CHECKLIST
    elif not isinstance(slug, str) or not slug.strip():
        problems.stop(
            f"checklist: must be a checklist slug such as {DEFAULT_CHECKLIST}, not {_kind(slug)}"
        )
    if version is not None and (type(version) is not int or version < 1):
        problems.stop(f"version: must be a whole number such as 1, not {shown(version)}")
    published = list(Checklist.objects.published().order_by("slug", "-version"))
    versions = [c for c in published if c.slug == slug]
    if not versions:
        known = ", ".join(f"{c.slug} v{c.version}" for c in published) or (
            "none (an administrator loads one with manage.py load_checklist)"
        )
        problems.stop(f"checklist: no published checklist {shown(slug)}; published: {known}")
    if version is None:
        return versions[0]
    for checklist in versions:
        if checklist.version == version:
            return checklist
    known = ", ".join(f"v{c.version}" for c in versions)
    problems.stop(f"version: {slug} has no published version {shown(version)}; published: {known}")


def _details(
    raw: Any, default_title: str, require_details: bool, problems: _Problems
) -> dict[str, str]:
    allowed = ", ".join(DETAIL_LIMITS)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        # Nothing in it can be read: no "missing" on top of this one.
        problems.add(f"assessment: must be a mapping of {allowed}, not {_kind(raw)}")
        return dict.fromkeys(DETAIL_LIMITS, "")
    for key in raw:
        if key not in DETAIL_LIMITS:
            problems.add(f"assessment.{_key(key)}: unknown field; allowed: {allowed}")
    details, refused = {}, set()
    for name, limit in DETAIL_LIMITS.items():
        value = raw.get(name)
        text = "" if value is None else _text(f"assessment.{name}", value, limit, problems)
        if text is None:
            refused.add(name)
        details[name] = text or ""
    if not details["title"]:
        details["title"] = default_title.strip()[:TITLE_MAX]
    if not details["title"] and "title" not in refused:
        problems.add("assessment.title: missing; give the assessment a title")
    if require_details:
        for name, what in REQUIRED_DETAILS.items():
            if not details[name] and name not in refused:
                problems.add(
                    f"assessment.{name}: missing; give {what}, "
                    "which a new assessment needs (as on the New assessment form)"
                )
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


def _option(
    where: str, item: Item, raw: Any, comment: str | None, problems: _Problems
) -> str | None:
    """The option key, or None for no answer (or a refused one: the problem is noted).

    `comment` is None when the comment itself was refused: whether a
    not-applicable answer is justified is then left to the corrected file.
    """
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
        problems.add(f"{where}: {shown(raw)} is not an option; allowed: {allowed}")
        return None
    if option.not_applicable and comment == "":
        problems.add(
            f"{where}: {option.key!r} ({option.label}) needs a justification comment, "
            f'e.g. {item.key}: {{answer: {option.key}, comment: "why it does not apply"}}'
        )
        return None
    return option.key


class _Unknown:
    """The "unknown item" message of an answers mapping, worked out once for all its keys."""

    def __init__(self, checklist: Checklist, tree: list[Category], answerable: dict[str, Item]):
        self.items = (
            f"items of {checklist.slug} v{checklist.version} are {_ranges(tree, answerable)}"
        )
        self.loose: dict[str, list[str]] = {}
        for key in answerable:
            self.loose.setdefault(_loose(key), []).append(key)

    def message(self, where: str, text_key: str) -> str:
        close = self.loose.get(_loose(text_key), []) if len(text_key) <= SHOW_MAX else []
        hint = f" (did you mean {close[0]}?)" if len(close) == 1 else ""
        return f"{where}: unknown item{hint}; {self.items}"


def _answers(raw: Any, checklist: Checklist, tree: list[Category], problems: _Problems) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(
            f"answers: must be a mapping of item keys to options (e.g. INQ-01: yes), "
            f"not {_kind(raw)}"
        )
        return {}
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
    unknown: _Unknown | None = None
    answers: dict[str, tuple[str | None, str]] = {}
    seen: set[str] = set()
    for raw_key, value in raw.items():
        where = f"answers.{_key(raw_key)}"
        # A key that is no string (1: yes, a date, binary data) is shown, never str()'d whole.
        text_key = raw_key if isinstance(raw_key, str) else shown(raw_key)
        key = text_key if text_key in every else folded.get(text_key.casefold())
        if key is None:
            unknown = unknown or _Unknown(checklist, tree, answerable)
            problems.add(unknown.message(where, text_key))
            continue
        if key not in answerable:
            problems.add(
                f"{where}: {key} is retired from {checklist.slug} v{checklist.version} "
                "and cannot be answered; remove it from the file"
            )
            continue
        if key in seen:
            problems.add(f"{where}: {key} is answered twice")
            continue
        seen.add(key)

        item = answerable[key]
        allowed = ", ".join(o.key for o in item.option_list)
        if isinstance(value, dict):
            for name in value:
                if name not in ANSWER_FIELDS:
                    problems.add(
                        f"{where}.{_key(name)}: unknown field; allowed: {', '.join(ANSWER_FIELDS)}"
                    )
            option_raw, comment_raw = value.get("answer"), value.get("comment")
        elif isinstance(value, list):
            problems.add(
                f"{where}: must be one option or {{answer, comment}}, not a list; "
                f"allowed: {allowed}"
            )
            continue
        else:
            option_raw, comment_raw = value, None
        comment = (
            ""
            if comment_raw is None
            else _text(f"{where}.comment", comment_raw, COMMENT_MAX, problems)
        )
        option_key = _option(where, item, option_raw, comment, problems)
        if option_key is not None or comment:
            answers[key] = (option_key, comment or "")
    return answers
