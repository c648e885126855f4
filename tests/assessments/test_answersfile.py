import dataclasses
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from riskassess.assessments.answersfile import AnswersFileError, build, parse
from riskassess.assessments.models import COMMENT_MAX, TITLE_MAX
from riskassess.checklist.models import Item, Status
from riskassess.checklist.services import load_checklist

pytestmark = pytest.mark.usefixtures("checklist")

ALLOWED = "allowed: yes, partly, no, unknown, na"


def refusal(text: str, **kwargs) -> str:
    """The one-line message a file is refused with."""
    with pytest.raises(AnswersFileError) as caught:
        parse(text, **kwargs)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    return message


def with_answers(answers: str) -> str:
    return f"assessment: {{title: Bot}}\nanswers:\n{answers}"


def test_it_reads_unquoted_yes_and_no_as_the_options():
    parsed = parse(with_answers("  INQ-01: yes\n  INQ-02: no\n"))
    assert parsed.answers == {"INQ-01": ("yes", ""), "INQ-02": ("no", "")}


def test_it_reads_json_with_tabs_and_escaped_emoji():
    text = '{\n\t"assessment": {"title": "Bot \\ud83e\\udd16"},\n\t"answers": {"INQ-01": "yes"}\n}'
    parsed = parse(text)
    assert parsed.details["title"] == "Bot 🤖"
    assert parsed.answers == {"INQ-01": ("yes", "")}


def test_it_reads_answers_with_comments():
    parsed = parse(with_answers('  INQ-02: {answer: partly, comment: "English only"}\n'))
    assert parsed.answers == {"INQ-02": ("partly", "English only")}


def test_it_accepts_an_option_in_another_case():
    assert parse(with_answers("  INQ-01: Yes\n")).answers == {"INQ-01": ("yes", "")}


def test_it_leaves_empty_items_unanswered_but_keeps_their_comment():
    parsed = parse(with_answers("  INQ-01:\n  INQ-02: {comment: still checking}\n"))
    assert parsed.answers == {"INQ-02": (None, "still checking")}


def test_it_uses_the_default_checklist_and_its_newest_published_version(default_spec, checklist):
    load_checklist(dataclasses.replace(default_spec, version=2))
    load_checklist(dataclasses.replace(default_spec, version=3), status=Status.DRAFT)
    assert parse(with_answers("  INQ-01: yes\n")).checklist.version == 2
    assert parse("version: 1\n" + with_answers("  INQ-01: yes\n")).checklist == checklist


def test_it_names_the_published_checklists_for_an_unknown_slug():
    assert refusal("checklist: nope\n" + with_answers("")) == (
        "checklist: no published checklist 'nope'; published: foundation-model-risks v1"
    )


def test_it_names_the_published_versions_for_an_unknown_version():
    assert refusal("version: 7\n" + with_answers("")) == (
        "version: foundation-model-risks has no published version 7; published: v1"
    )


def test_it_names_the_items_for_an_unknown_item_key():
    assert refusal(with_answers("  XYZ-99: yes\n")) == (
        "answers.XYZ-99: unknown item; items of foundation-model-risks v1 are "
        "INQ-01…INQ-15, MIS-01…MIS-15, ENV-01…ENV-15, LEG-01…LEG-15 (60 in all)"
    )


def test_it_suggests_the_item_a_key_was_meant_to_be():
    assert "(did you mean INQ-01?)" in refusal(with_answers("  INQ-1: yes\n"))


def test_it_names_the_allowed_options():
    assert refusal(with_answers("  INQ-02: maybe\n")) == (
        f"answers.INQ-02: 'maybe' is not an option; {ALLOWED}"
    )


def test_it_refuses_true_as_an_option():
    assert refusal(with_answers("  INQ-02: true\n")).startswith("answers.INQ-02: true is not")


def test_it_needs_a_justification_for_not_applicable():
    assert refusal(with_answers("  ENV-04: na\n")).startswith(
        "answers.ENV-04: 'na' (Not applicable) needs a justification comment"
    )


def test_it_refuses_a_comment_over_the_limit():
    long = "x" * (COMMENT_MAX + 1)
    assert refusal(with_answers(f"  INQ-01: {{answer: yes, comment: {long}}}\n")) == (
        f"answers.INQ-01.comment: {COMMENT_MAX + 1:,} characters; the limit is {COMMENT_MAX:,}"
    )


def test_it_refuses_a_nul_in_a_comment():
    text = json.dumps(
        {
            "assessment": {"title": "Bot"},
            "answers": {"INQ-01": {"answer": "yes", "comment": "a\x00b"}},
        }
    )
    assert (
        refusal(text) == "answers.INQ-01.comment: contains a NUL character, which cannot be stored"
    )


def test_it_refuses_a_list_as_an_answer():
    assert refusal(with_answers("  INQ-01: [yes, no]\n")) == (
        f"answers.INQ-01: must be one option or {{answer, comment}}, not a list; {ALLOWED}"
    )


def test_it_refuses_an_unknown_field_of_an_answer():
    assert refusal(with_answers("  INQ-01: {answer: yes, coment: x}\n")) == (
        "answers.INQ-01.coment: unknown field; allowed: answer, comment"
    )


def test_it_refuses_an_unknown_top_level_field():
    assert refusal("answer:\n  INQ-01: yes\n") == (
        "answer: unknown field; allowed: checklist, version, assessment, answers"
    )


def test_it_refuses_a_title_over_the_limit():
    text = f"assessment: {{title: {'t' * (TITLE_MAX + 1)}}}\nanswers: {{}}\n"
    assert (
        refusal(text) == f"assessment.title: {TITLE_MAX + 1} characters; the limit is {TITLE_MAX}"
    )


def test_it_refuses_a_number_where_text_belongs():
    assert refusal("assessment: {title: Bot, model: 2.3}\nanswers: {}\n") == (
        "assessment.model: must be text, not the number 2.3 (put it in quotes)"
    )


def test_it_uses_the_default_title_and_otherwise_needs_one():
    assert parse("answers: {}\n", default_title="bot.yaml").details["title"] == "bot.yaml"
    assert refusal("answers: {}\n") == "assessment.title: missing; give the assessment a title"


def test_it_gives_the_line_of_malformed_yaml():
    assert refusal(with_answers("  INQ-01: yes\n   bad: [\n")).startswith(
        "malformed YAML: line 4, column"
    )


def test_it_gives_the_line_of_malformed_json():
    assert refusal('{"answers":\n  {"INQ-01" "yes"}}') == (
        "malformed JSON: line 2, column 13: Expecting ':' delimiter"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (with_answers("  INQ-01: yes\n  INQ-01: no\n"), "line 4: duplicate key 'INQ-01'"),
        ('{"answers": {"INQ-01": "yes", "INQ-01": "no"}}', "duplicate key 'INQ-01'"),
        (with_answers("  INQ-01: yes\n  inq-01: no\n"), "answers.inq-01: INQ-01 is answered twice"),
    ],
)
def test_it_refuses_duplicate_keys(text, message):
    assert refusal(text) == message


def test_it_refuses_a_retired_item():
    Item.objects.filter(key="INQ-03").update(active=False)
    assert refusal(with_answers("  INQ-03: yes\n")).startswith(
        "answers.INQ-03: INQ-03 is retired from foundation-model-risks v1"
    )


def test_it_keeps_a_message_on_one_line_whatever_the_key():
    assert refusal(with_answers('  "INQ\\n01": yes\n')).startswith("answers.'INQ\\n01': unknown")


def test_building_writes_nothing_and_lists_missing_required_items():
    parsed = parse(with_answers("  INQ-01: no\n  INQ-02: {answer: partly, comment: EN only}\n"))
    with CaptureQueriesContext(connection) as queries:
        built = build(parsed)
    assert len(queries) == 0
    inq = {i["key"]: i for i in built.data["items"] if i["key"] in ("INQ-01", "INQ-02")}
    assert (inq["INQ-01"]["answer"], inq["INQ-02"]["comment"]) == ("no", "EN only")
    assert len(built.missing) == 56 and built.missing[:2] == ["INQ-03", "INQ-04"]


@pytest.mark.parametrize("opening", ['{"answers": ', "answers: "])
def test_it_refuses_a_file_nested_too_deeply(opening):
    text = opening + "[" * 100_000 + "]" * 100_000 + ("}" if opening.startswith("{") else "")
    assert refusal(text) == "the file is nested too deeply to be an answers file"
