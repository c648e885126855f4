"""User text as the PDF prints it: bounded in what it may cost WeasyPrint to lay out.

Printed as typed, one comment of 10,000 line breaks took WeasyPrint about 10 s
(179 pages) and a letter with 9,999 combining marks about 5 s, and every
comment of a report was printed, so a few such comments made every render of
the report hit the time limit (docs/performance.md, "Bounded by design"). So
each text is normalised before it is escaped (`printable`): line breaks made
plain and blank lines collapsed; at most PRINT_LINES lines, PRINT_CHARS
characters and MAX_MARKS marks on a character, then CONTINUED; and a break
opportunity every CHUNK clusters in a long run of any characters but spaces,
whatever their Unicode category. The comments of one report print REPORT_CHARS
in all (`Allowance`). The JSON and CSV exports keep every text as typed.
"""

from __future__ import annotations

import re
import unicodedata

# A token longer than LONG_TOKEN characters gets a break opportunity every CHUNK clusters.
LONG_TOKEN = 40
CHUNK = 20
ZWSP = "\u200b"
ZWJ = "\u200d"

# What one field may print (docs/performance.md, "Bounded by design"). Past a cap
# the field ends with CONTINUED; the JSON and CSV exports keep the full text.
PRINT_LINES = 40
PRINT_CHARS = 4_000  # about a page
ONE_LINE_CHARS = 200
# Comments and the deployment context of one report, together: about 25 pages.
# Once they are spent, each further comment prints its first SPENT_CHARS.
REPORT_CHARS = 100_000
SPENT_CHARS = 300
MAX_MARKS = 8  # combining marks (and other extenders) kept on one character
MAX_JOINED = 4  # characters one zero-width-joiner sequence may join: 👨‍👩‍👧‍👦
CONTINUED = "… continued in the JSON export"

_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_SPACES = re.compile(r"[ \t\n]+")
# Only space, tab and line break end a run: a no-break space, a joiner, a
# symbol or a mark is part of the run it is in.
_LONG_TOKEN_RE = re.compile(rf"[^ \t\n]{{{LONG_TOKEN + 1},}}")
_EXTENDING = ("Mn", "Mc", "Me")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


def _extends(char: str) -> bool:
    """Whether `char` belongs to the character before it: a mark, a skin tone, an emoji tag."""
    code = ord(char)
    return (
        unicodedata.category(char) in _EXTENDING
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or code == 0x200C
    )


def _clusters(text: str, max_marks: int | None = None):
    """(cluster, marks dropped) for each user-perceived character of `text`.

    A simplified grapheme cluster: a base, its marks, and up to MAX_JOINED
    characters joined by ZWJ; a flag's two regional indicators. Past
    `max_marks` marks on one character the rest are dropped: WeasyPrint cannot
    break a line inside a cluster, and stacks of thousands of marks are what
    made a 10,000-character comment take seconds.
    """
    index, size = 0, len(text)
    while index < size:
        start, dropped = index, 0
        joined, marks = 1, 0
        kept = [text[index]]
        index += 1
        regional = ord(kept[0]) in _REGIONAL_INDICATORS
        if regional and index < size and ord(text[index]) in _REGIONAL_INDICATORS:
            kept.append(text[index])
            index += 1
        while index < size:
            char = text[index]
            if _extends(char):
                if max_marks is None or marks < max_marks:
                    kept.append(char)
                else:
                    dropped += 1
                marks += 1
                index += 1
            elif (
                char == ZWJ
                and index + 1 < size
                and joined < MAX_JOINED
                and text[index + 1] not in " \t\n"
            ):
                kept += [char, text[index + 1]]
                joined, marks = joined + 1, 0
                index += 2
            else:
                break
        yield ("".join(kept) if dropped else text[start:index]), dropped


def _split_token(match: re.Match) -> str:
    token = match.group()
    if token.isascii():  # every character a cluster of its own: the common case, fast
        return ZWSP.join(token[i : i + CHUNK] for i in range(0, len(token), CHUNK))
    out, run = [], 0
    for cluster, _ in _clusters(token):
        if run >= CHUNK:
            out.append(ZWSP)
            run = 0
        out.append(cluster)
        run += 1
    return "".join(out)


def breakable(text) -> str:
    """Text with a zero-width space every CHUNK clusters inside tokens over LONG_TOKEN.

    Breaks fall between clusters only, so a character keeps its marks and an
    emoji sequence or flag stays whole, whatever the characters are.
    Runs on the raw text, before autoescaping, and returns a plain (unsafe) str
    so that the template still escapes it.
    """
    if text is None:
        return ""
    return _LONG_TOKEN_RE.sub(_split_token, str(text))


def printable(
    text, *, lines: int = PRINT_LINES, chars: int = PRINT_CHARS, marker: str = CONTINUED
) -> str:
    """User text as the PDF prints it: what any field may cost to lay out is bounded.

    Line breaks are normalised and runs of blank lines collapsed to one; at most
    `lines` lines and `chars` characters are printed, and MAX_MARKS marks on
    a character; long tokens get break opportunities (`breakable`). When
    anything was left out the text ends with `marker`, on a line of its own
    (after a space in one-line text).
    `lines=1` prints the text on one line, for titles and names. Every user or
    checklist text the PDF prints goes through here (`report_context`).
    """
    if text is None:
        return ""
    text = _LINE_BREAKS.sub("\n", str(text))
    if lines == 1:
        text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text).strip(" \t\n")
    kept = text.split("\n", lines)
    truncated = len(kept) > lines
    text = "\n".join(kept[:lines])
    if text.isascii():  # no marks, no sequences: only the length to cap
        truncated = truncated or len(text) > chars
        text = text[:chars]
    else:
        text, truncated = _capped_clusters(text, chars, truncated)
    printed = breakable(text.rstrip(" \t\n"))
    if not truncated:
        return printed
    return f"{printed} {marker}" if lines == 1 else f"{printed}\n{marker}"


def _capped_clusters(text: str, chars: int, truncated: bool) -> tuple[str, bool]:
    out, count = [], 0
    for cluster, dropped in _clusters(text, MAX_MARKS):
        count += len(cluster)
        if count > chars:
            truncated = True
            break
        truncated = truncated or bool(dropped)
        out.append(cluster)
    return "".join(out), truncated


def one_line(text, chars: int = ONE_LINE_CHARS) -> str:
    return printable(text, lines=1, chars=chars)


class Allowance:
    """What is left of REPORT_CHARS for the report's comments.

    Each field is capped on its own, but a checklist can have hundreds of items:
    this keeps what editors write from costing more than REPORT_CHARS of layout
    in all, whatever the number of items.
    """

    def __init__(self, chars: int = REPORT_CHARS):
        self.left = chars

    def printable(self, text) -> str:
        printed = printable(text, chars=min(PRINT_CHARS, max(self.left, SPENT_CHARS)))
        self.left -= len(printed)
        return printed
