"""Files built to exhaust a worker (issue 10, item 1): refused before the work, in one line.

A few hundred bytes of YAML aliases describe ten billion values; before the fix
an error message rendered them all (30 s and 2.4 GB for nine levels, ten times
that per level). These files go through each door a file comes in by: the
`assess` command, the web import (any editor) and `load_checklist`. Unless a
comment says otherwise, each test of a refusal fails on the code before the fix:
by a traceback, a message the size of the file, or by running out of memory or
time. None measures time: each checks that the file is refused by the rule that
bounds the work, before that work is done.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from riskassess import yamlfiles
from riskassess.assessments.models import Answer, Assessment
from riskassess.checklist.models import Checklist
from riskassess.checklist.spec import MAX_ERRORS, ChecklistFileError, parse
from tests.security.support import logged_in, page_text

# conftest.py's module fixture loads the checklist: every test needs the database.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = ROOT / "riskassess" / "checklist" / "data" / "foundation-model-risks.yaml"
EXAMPLES = ROOT / "examples"
IMPORT_URL = "/assessments/import/"
TOO_DEEP = "the file is nested too deeply to be an answers file"
# What every line of a refusal stays under, however large the file.
SHORT = 300


def alias_bomb(levels: int = 10) -> str:
    """The issue's file, in about 500 bytes: its last entry expands to 10**levels strings."""
    entries = ["&a0 [" + ", ".join(["lol"] * 10) + "]"]
    entries += [f"&a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "[" + ", ".join(entries) + "]"


def refused_alias(line: int) -> str:
    return f"line {line}: YAML aliases (*a0) are not allowed; write the value out in full"


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def assess(path) -> tuple[int, str]:
    """Exit status and message of `manage.py assess PATH`."""
    try:
        call_command("assess", str(path), stdout=StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


def load_checklist(path) -> str:
    """The refusal of `manage.py load_checklist PATH`, after checking it loaded nothing."""
    before = Checklist.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("load_checklist", str(path), stdout=StringIO())
    assert Checklist.objects.count() == before
    return str(caught.value)


def import_file(user, team, text: str, name: str = "answers.yaml") -> str:
    """The web import's refusal (400, nothing stored), as the page shows it."""
    upload = SimpleUploadedFile(name, text.encode(), content_type="application/yaml")
    response = logged_in(user).post(IMPORT_URL, {"team": team.pk, "file": upload})
    assert response.status_code == 400
    assert (Assessment.objects.count(), Answer.objects.count()) == (0, 0)
    return page_text(response)


def checklist_file(tmp_path, text: str):
    path = tmp_path / "checklist.yaml"
    path.write_text(text)
    return path


# Aliases: refused as the document is read, before any value is built ---------------------


def test_the_reader_refuses_an_alias_before_building_anything(monkeypatch):
    def construct_document(self, node):
        raise AssertionError("a value was built from a document with aliases")

    monkeypatch.setattr(yamlfiles._Loader, "construct_document", construct_document)
    with pytest.raises(yamlfiles.FileFormatError) as caught:
        yamlfiles.load(f"answers: {{}}\nversion: {alias_bomb()}\n")
    assert str(caught.value) == refused_alias(2)


def test_assess_refuses_an_alias_bomb_in_one_line(tmp_path, checklist):
    # Before: the refusal of `version` quoted it whole, a list of ten billion strings.
    path = tmp_path / "bomb.yaml"
    path.write_text(f"answers: {{}}\nversion: {alias_bomb()}\n")
    assert len(path.read_bytes()) < 600
    assert assess(path) == (2, f"{path}: {refused_alias(2)}")


def test_an_editor_importing_an_alias_bomb_gets_a_400(bob, team, checklist):
    # Before: "answers.INQ-01: [...] is not an option" rendered the list to cut it short.
    text = f"assessment: {{title: Bomb}}\nanswers:\n  INQ-01: {{answer: {alias_bomb()}}}\n"
    assert refused_alias(3) in import_file(bob, team, text)


def test_load_checklist_refuses_an_alias_bomb(tmp_path, db):
    # Before: "slug: must be letters, digits, '-' or '_' (got [...])".
    message = load_checklist(checklist_file(tmp_path, f"name: Bomb\nslug: {alias_bomb()}\n"))
    assert message.endswith(f"is not a valid checklist:\n  {refused_alias(2)}")


def test_a_merge_key_needs_an_alias_and_is_refused_too():
    with pytest.raises(yamlfiles.FileFormatError, match=r"^line 2: YAML aliases \(\*base\)"):
        yamlfiles.load("base: &base {answer: yes}\nINQ-01: {<<: *base, comment: same}\n")


def test_an_anchor_without_an_alias_is_read_as_usual():
    assert yamlfiles.load("INQ-01: &first yes\n") == {"INQ-01": "yes"}


def test_the_shipped_checklist_and_examples_need_no_alias_and_fit_the_limits():
    shipped = [
        *DEFAULT_FILE.parent.glob("*.yaml"),
        *EXAMPLES.rglob("*.yaml"),
        *EXAMPLES.rglob("*.json"),
    ]
    assert DEFAULT_FILE in shipped
    for path in sorted(shipped):
        assert yamlfiles.load(path.read_bytes()), path


# Nesting --------------------------------------------------------------------------------


def test_load_checklist_refuses_a_file_nested_a_hundred_thousand_deep(tmp_path, db):
    # Before: a RecursionError, not a refusal.
    path = checklist_file(tmp_path, "slug: x\ncategories: " + "[" * 100_000)
    message = load_checklist(path)
    assert message.endswith(
        "is not a valid checklist:\n  line 2: the file is nested more than 20 levels deep"
    )


def test_json_nested_past_the_limit_is_refused_like_yaml(tmp_path, checklist):
    # 30 levels is far below the recursion limit: before, it was read and then refused
    # as "not a list"; now the depth is checked before anything looks at the content.
    for text in (
        json.dumps({"answers": {"INQ-01": json.loads(nested(30))}}),
        "answers: {INQ-01: " + nested(30) + "}\n",
    ):
        path = tmp_path / "deep"
        path.write_text(text)
        assert assess(path) == (2, f"{path}: {TOO_DEEP}")


def test_an_editor_importing_deeply_nested_yaml_or_json_gets_a_400(bob, team, checklist):
    # Refused before the fix too (a RecursionError was caught): kept as a guard.
    assert TOO_DEEP in import_file(bob, team, "answers: " + "[" * 100_000)
    assert TOO_DEEP in import_file(bob, team, '{"answers": ' + "[" * 100_000, "answers.json")


def test_the_depth_limit_leaves_room_for_every_real_file():
    assert yamlfiles.load(nested(yamlfiles.MAX_DEPTH)) is not None
    yamlfiles.check_limits(json.loads(nested(yamlfiles.MAX_DEPTH)))
    with pytest.raises(yamlfiles.TooDeep):
        yamlfiles.check_limits(json.loads(nested(yamlfiles.MAX_DEPTH + 1)))


# Size: how many values, how long a number ---------------------------------------------


def test_a_file_of_many_values_is_refused_when_the_limit_is_passed():
    # Before: a 2 MiB flow list of a million numbers took 70 s to read.
    count = yamlfiles.MAX_NODES + 10
    with pytest.raises(yamlfiles.FileFormatError, match="more than 20,000 values"):
        yamlfiles.load("[" + "1, " * count + "]")
    with pytest.raises(yamlfiles.FileFormatError, match="more than 20,000 values"):
        yamlfiles.check_limits(json.loads("[" + "1, " * count + "1]"))


def test_an_editor_importing_json_of_many_values_gets_a_400(bob, team, checklist):
    text = json.dumps({"answers": {"INQ-01": "yes"}, "assessment": {"title": ["x"] * 30_000}})
    assert "the file has more than 20,000 values" in import_file(bob, team, text, "a.json")


@pytest.mark.parametrize(
    "value",
    [
        "0x" + "f" * 20_000,  # read fine, then str() refused it in the message: a 500
        "1" * 5_000,  # more digits than Python converts: a 500
        "1" + ":1" * 200_000,  # a base-60 number: quadratic time to compute
    ],
    ids=["hex", "decimal", "sexagesimal"],
)
def test_a_number_too_long_to_be_one_is_refused_as_it_is_read(bob, team, checklist, value):
    expected = "line 2: a number of more than 100 characters; put it in quotes if it is text"
    assert expected in import_file(bob, team, f"answers: {{}}\nversion: {value}\n")


def test_json_numbers_have_the_same_bound(bob, team, checklist):
    text = '{"answers": {}, "version": ' + "1" * 5_000 + "}"
    assert yamlfiles.NUMBER_TOO_LONG in import_file(bob, team, text, "answers.json")


def test_a_date_that_does_not_exist_is_a_refusal_not_a_traceback(tmp_path, checklist):
    path = tmp_path / "date.yaml"
    path.write_text("answers: {}\nassessment: {title: 2024-13-45}\n")
    assert assess(path) == (2, f"{path}: line 2: '2024-13-45' is not a valid timestamp")


# Messages: a value from the file is shown cut short, never rendered whole ----------------


def test_shown_never_renders_a_container_or_a_huge_number():
    class Unprintable(list):
        def __repr__(self):
            raise AssertionError("rendered whole")

    assert yamlfiles.shown(Unprintable([1])) == "a list"
    assert yamlfiles.shown({"a": Unprintable()}) == "a mapping"
    assert yamlfiles.shown(16**20_000) == "a very large number"
    assert yamlfiles.shown("x\n" * 1_000_000) == repr("x\n" * 20) + "…"


def test_load_checklist_quotes_huge_values_cut_short(tmp_path, db):
    # Before: each message quoted the value whole, and a category's key named every
    # message about its items: 200,000 characters a line.
    huge = "x" * 200_000
    text = (
        f'slug: "{huge}"\nname: Big\nscale: [{{key: y, label: Y, risk: 0}}]\n'
        f'? "{huge}"\n: 1\n'
        "categories:\n"
        f'  - key: "{huge}"\n'
        "    name: C\n"
        "    items:\n"
        f'      - key: "{huge}"\n'
        "        question: Q?\n"
        f'        weight: "{huge}"\n'
    )
    message = load_checklist(checklist_file(tmp_path, text))
    lines = message.splitlines()
    assert 4 <= len(lines) <= MAX_ERRORS + 2
    assert max(len(line) for line in lines) < SHORT, lines


def test_a_checklist_with_thousands_of_problems_lists_the_first_fifty():
    # Each category lacks a name and items: three problems each.
    categories = "".join(f"  - {{key: c{n}}}\n" for n in range(2_000))
    text = "slug: x\nname: X\nscale: [{key: y, label: Y, risk: 0}]\ncategories:\n" + categories
    with pytest.raises(ChecklistFileError) as caught:
        parse(text)
    errors = caught.value.errors
    assert errors[:2] == ["categories[c0].items: is required", "categories[c0].name: is required"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == f"and {3 * 2_000 - MAX_ERRORS:,} more problems"


def test_an_answers_file_quotes_a_huge_value_cut_short(bob, team, checklist):
    # Strings were cut short before the fix too: kept as a guard, JSON keys included.
    huge = "y" * 500_000
    title = {"assessment": {"title": "Big"}}
    for text in (
        f"assessment: {{title: Big}}\nanswers:\n  INQ-01: {{answer: {huge}}}\n",
        # An implicit key is at most 1,024 characters: a longer one is written "? key".
        f"assessment: {{title: Big}}\nanswers:\n  ? {huge}\n  : yes\n",
        f"answers: {{}}\nchecklist: {huge}\n",
        json.dumps({**title, "answers": {huge: "yes"}}),
        json.dumps({**title, "answers": {"INQ-01": "yes", "INQ-02": "no"}, huge: 1}),
    ):
        body = import_file(bob, team, text)
        assert "y" * yamlfiles.SHOW_MAX in body and "y" * (yamlfiles.SHOW_MAX + 1) not in body


def test_load_checklist_reads_no_further_than_the_size_limit():
    """/dev/zero, or any endless file, is refused after reading one byte over the limit."""
    with pytest.raises(CommandError, match="larger than"):
        call_command("load_checklist", "/dev/zero")
