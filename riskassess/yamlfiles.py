"""YAML reading and writing for every file this project reads (contracts.md §2-3).

PyYAML follows YAML 1.1, where unquoted ``yes``, ``no``, ``on`` and ``off``
are booleans. People write ``INQ-01: no`` and ``key: yes`` and mean the answer
options, so our loader knows only ``true``/``false`` as booleans. It also
refuses duplicate keys, which PyYAML would otherwise resolve silently by
keeping the last one: an answers file that says INQ-01 twice is a mistake the
author must hear about.

Files come from anyone who may import one, so reading one is bounded by its
size, not by what it says. A few hundred bytes of aliases (``&a [...]``, then
``[*a, *a, ...]`` a few levels deep) describe a value of billions of entries:
the reader refuses an alias when it meets one, before anything is built, so a
document is never larger than its text. Anchors alone are harmless (a node
with a name is still built once) and are left alone; the merge key
``<<: *base`` needs an alias, so it is refused with them. Nesting is bounded
(MAX_DEPTH: recursion, not an error page, would stop a document opening a
hundred thousand lists) and so is the number of values (MAX_NODES: the pure
Python reader takes about 70 µs a value, and a 2 MiB file can hold a million).
A number longer than MAX_NUMBER_CHARS is refused too: ``1:2:3:…`` is a
base-60 integer to YAML 1.1 and costs quadratic time to compute. The JSON
parser of answers files applies the same limits with check_limits().

A value from a file is shown in a message by shown(), which reads at most a
few dozen characters of it, whatever it is: a message never renders a whole
list or mapping, nor a string or number of unbounded length.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024
# The shipped checklist nests 5 levels and holds 1,130 values; a full answers file 3 and 341.
MAX_DEPTH = 20
MAX_NODES = 20_000
MAX_NUMBER_CHARS = 100
SHOW_MAX = 40


class FileFormatError(ValueError):
    """A file that is not well-formed; the message says where and why."""


class TooDeep(FileFormatError):
    """A file nested more than MAX_DEPTH levels deep."""


# Showing what a file said


def shown(value: Any, limit: int = SHOW_MAX) -> str:
    """A value from a file as a one-line message shows it: at most `limit` characters.

    Strings are cut before they are quoted; lists and mappings are named, never
    rendered (the repr of a large one is itself unbounded work); a number too
    large to print quickly is described.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    if isinstance(value, int):
        # str() of a huge int takes quadratic time, and Python refuses one over 4,300 digits.
        text = repr(value) if value.bit_length() <= 4 * limit else "a very large number"
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, dict):
        return "a mapping"
    elif isinstance(value, list | tuple):
        return "a list"
    elif isinstance(value, set | frozenset):
        return "a set"
    elif isinstance(value, bytes | bytearray):
        return "binary data"
    else:
        return type(value).__name__
    return text[:limit] + ("…" if len(text) > limit else "")


def _line(node_or_event: Any) -> int:
    return node_or_event.start_mark.line + 1


TOO_MANY_VALUES = f"the file has more than {MAX_NODES:,} values"
NESTED_TOO_DEEPLY = f"the file is nested more than {MAX_DEPTH} levels deep"
NUMBER_TOO_LONG = (
    f"a number of more than {MAX_NUMBER_CHARS} characters; put it in quotes if it is text"
)


# Reading


class _Loader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        # Checked as each node is composed: an alias is refused before any
        # value is built, and reading stops at the first node over a limit.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            name = event.anchor or ""
            name = name[:SHOW_MAX] + ("…" if len(name) > SHOW_MAX else "")
            raise FileFormatError(
                f"line {_line(event)}: YAML aliases (*{name}) are not allowed; "
                "write the value out in full"
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise FileFormatError(f"line {_line(event)}: {TOO_MANY_VALUES}")
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise TooDeep(f"line {_line(event)}: {NESTED_TOO_DEEPLY}")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (FileFormatError, yaml.YAMLError):
            raise
        except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError):
            # PyYAML's own constructors fail this way on a scalar they cannot read:
            # 2024-13-45 (a date), !!int "", !!timestamp x, !!bool maybe.
            what = shown(node.value) if isinstance(node.value, str) else "this value"
            kind = node.tag.rpartition(":")[2][:SHOW_MAX]
            raise FileFormatError(f"line {_line(node)}: {what} is not a valid {kind}") from None


# Drop YAML 1.1's bool resolver, then add back one that knows only true/false.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise FileFormatError(f"line {_line(key_node)}: a key must be a plain value") from None
        if key in mapping:
            raise FileFormatError(f"line {_line(key_node)}: duplicate key {shown(key)}")
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _number(construct):
    def construct_number(loader: _Loader, node: yaml.ScalarNode):
        if len(node.value) > MAX_NUMBER_CHARS:
            raise FileFormatError(f"line {_line(node)}: {NUMBER_TOO_LONG}")
        return construct(loader, node)

    return construct_number


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _number(yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _number(yaml.SafeLoader.construct_yaml_float))


def read_text(raw: bytes | str) -> str:
    """Decode an uploaded or read file, refusing what is not text."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            raise FileFormatError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileFormatError("the file is not UTF-8 text") from None
    if "\x00" in raw:
        raise FileFormatError("the file contains a NUL byte")
    return raw


def load(raw: bytes | str) -> Any:
    """Parse YAML (JSON is YAML too) with the rules above."""
    text = read_text(raw)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except FileFormatError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        # PyYAML quotes what it could not read (a tag, say) whole: keep the line short.
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())
        if len(problem) > 2 * SHOW_MAX:
            problem = problem[: 2 * SHOW_MAX] + "…"
        raise FileFormatError(f"malformed YAML: {where}{problem}") from None


def check_limits(data: Any) -> None:
    """Apply MAX_DEPTH and MAX_NODES to data that another parser (JSON) has read.

    Iterative, and it stops as soon as the values seen pass a limit.
    """
    count = 1
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise TooDeep(NESTED_TOO_DEEPLY)
        # A mapping's keys count as values, as in YAML.
        count += 2 * len(value) if isinstance(value, dict) else len(value)
        if count > MAX_NODES:
            raise FileFormatError(TOO_MANY_VALUES)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)


def dump(data: Any) -> str:
    """Write YAML that any YAML reader, 1.1 or 1.2, reads back the same."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
