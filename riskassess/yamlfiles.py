"""YAML reading and writing for every file this project reads (contracts.md §2-3).

PyYAML follows YAML 1.1, where unquoted ``yes``, ``no``, ``on`` and ``off``
are booleans. People write ``INQ-01: no`` and ``key: yes`` and mean the answer
options, so our loader knows only ``true``/``false`` as booleans. It also
refuses duplicate keys, which PyYAML would otherwise resolve silently by
keeping the last one: an answers file that says INQ-01 twice is a mistake the
author must hear about.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024


class FileFormatError(ValueError):
    """A file that is not well-formed; the message says where and why."""


class _Loader(yaml.SafeLoader):
    pass


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
            raise FileFormatError(
                f"line {key_node.start_mark.line + 1}: a key must be a plain value"
            ) from None
        if key in mapping:
            raise FileFormatError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileFormatError(f"malformed YAML: {where}{problem}") from None


def dump(data: Any) -> str:
    """Write YAML that any YAML reader, 1.1 or 1.2, reads back the same."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
