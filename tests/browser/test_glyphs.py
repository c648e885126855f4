"""No emoji in what the browser draws: without an emoji font, each shows as an empty box.

Status marks are drawn in CSS (.ra-lock in static/css/app.css) or with plain text.
Text symbols that every common font has (✓ → · — ≥) are fine; what is looked for
is what a browser draws with an emoji font: characters whose default presentation
is emoji, the pictograph blocks beyond U+1F000, and the emoji variation selector.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "templates", ROOT / "static" / "css", ROOT / "static" / "js"]

# Unicode's Emoji_Presentation=Yes below U+1F000 (emoji-data.txt, Unicode 15.1).
EMOJI_PRESENTATION_BMP = [
    (0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
    (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
    (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE),
    (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
    (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
    (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
    (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
]  # fmt: skip
PICTOGRAPHS = (0x1F000, 0x1FAFF)  # mahjong tiles to symbols and pictographs extended-A
VARIATION_SELECTOR_16 = 0xFE0F  # asks for the emoji form of the character before it


def is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        code == VARIATION_SELECTOR_16
        or PICTOGRAPHS[0] <= code <= PICTOGRAPHS[1]
        or any(low <= code <= high for low, high in EMOJI_PRESENTATION_BMP)
    )


def emoji_in(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.relative_to(ROOT)}:{number}"
        found += [f"{where}: U+{ord(c):04X} {c}" for c in line if is_emoji(c)]
    return found


def files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("char", ["🔒", "✅", "⚠️", "❌", "⭐"])
def test_the_scan_finds_emoji(char):
    assert any(is_emoji(c) for c in char)


@pytest.mark.parametrize("char", ["✓", "→", "←", "·", "—", "≥", "\u00d7", "●", "Σ", "…", "“"])
def test_the_scan_leaves_text_symbols_alone(char):
    assert not is_emoji(char)


def test_no_template_stylesheet_or_script_draws_an_emoji():
    assert files(), SCANNED
    assert [hit for path in files() for hit in emoji_in(path)] == []
