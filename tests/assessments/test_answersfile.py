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
        "answer: unknown field; allowed: checklist, version, assessment, profile, answers"
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


# Every problem at once, for the web import (issue 11); `assess` keeps the first


def problems(text: str, **kwargs) -> list[str]:
    """Every problem parse() finds when asked for all of them, each one line."""
    with pytest.raises(AnswersFileError) as caught:
        parse(text, every_problem=True, **kwargs)
    found = caught.value.problems
    assert all(len(p.splitlines()) == 1 for p in found)
    assert len(str(caught.value).splitlines()) == 1
    return found


MANY = with_answers(
    "  XYZ-99: yes\n"
    "  INQ-02: maybe\n"
    "  ENV-04: na\n"
    "  INQ-03: [yes]\n"
    "  INQ-04: {answer: yes, coment: x}\n"
    "  inq-02: no\n"
)


def test_it_lists_every_problem_with_todays_wording_in_the_files_order():
    found = problems(MANY)
    assert found == [
        refusal(with_answers("  XYZ-99: yes\n")),
        f"answers.INQ-02: 'maybe' is not an option; {ALLOWED}",
        refusal(with_answers("  ENV-04: na\n")),
        f"answers.INQ-03: must be one option or {{answer, comment}}, not a list; {ALLOWED}",
        "answers.INQ-04.coment: unknown field; allowed: answer, comment",
        "answers.inq-02: INQ-02 is answered twice",
    ]


def test_without_every_problem_it_still_stops_at_the_first():
    with pytest.raises(AnswersFileError) as caught:
        parse(MANY)
    assert caught.value.problems == [str(caught.value)] and caught.value.count == 1
    assert str(caught.value).startswith("answers.XYZ-99: unknown item;")


def test_the_message_of_a_refusal_with_many_problems_is_the_first_and_a_count():
    with pytest.raises(AnswersFileError) as caught:
        parse(MANY, every_problem=True)
    assert caught.value.count == 6
    assert str(caught.value) == f"{caught.value.problems[0]} (and 5 more problems)"


def test_it_lists_at_most_50_problems_then_says_how_many_more():
    answers = "".join(f"  XYZ-{n:03}: yes\n" for n in range(120))
    found = problems(with_answers(answers))
    assert len(found) == 51
    assert found[49].startswith("answers.XYZ-049: unknown item;")
    assert found[50] == "and 70 more problems"
    one_more = "".join(f"  XYZ-{n:03}: yes\n" for n in range(51))
    assert problems(with_answers(one_more))[-1] == "and 1 more problem"


def test_it_lists_the_problems_of_every_part_of_the_file():
    text = (
        "colour: blue\n"
        "assessment: {title: 7, model: bot, shape: round}\n"
        "answers: {INQ-01: {answer: yes, comment: 12}}\n"
    )
    assert problems(text) == [
        "colour: unknown field; allowed: checklist, version, assessment, profile, answers",
        "assessment.shape: unknown field; allowed: title, model, base_model, context",
        "assessment.title: must be text, not the number 7 (put it in quotes)",
        "answers.INQ-01.comment: must be text, not the number 12 (put it in quotes)",
    ]


def test_a_refused_justification_is_not_also_a_missing_one():
    text = with_answers(f"  ENV-04: {{answer: na, comment: {'x' * (COMMENT_MAX + 1)}}}\n")
    assert problems(text) == [
        f"answers.ENV-04.comment: {COMMENT_MAX + 1:,} characters; the limit is {COMMENT_MAX:,}"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["the file is empty; it needs at least answers: (e.g. INQ-01: yes)"]),
        (
            "- INQ-01\n- XYZ-99\n",
            [
                "the file must be a mapping with checklist, version, assessment, profile, "
                "answers, not a list"
            ],
        ),
        ("answers: [\n", None),  # malformed: the reader's one message
        (
            "checklist: nope\ncolour: blue\nassessment: 3\nanswers: {XYZ-99: yes}\n",
            [
                "colour: unknown field; allowed: checklist, version, assessment, profile, answers",
                "checklist: no published checklist 'nope'; published: foundation-model-risks v1",
            ],
        ),
        (
            "version: 7\nanswers: {XYZ-99: yes}\n",
            ["version: foundation-model-risks has no published version 7; published: v1"],
        ),
    ],
    ids=["empty", "not-a-mapping", "malformed", "unknown-checklist", "unknown-version"],
)
def test_a_structural_problem_stops_the_collection(text, expected):
    found = problems(text)
    if expected is None:
        assert len(found) == 1 and found[0].startswith("malformed YAML: line")
    else:
        assert found == expected


def test_an_assessment_that_is_not_a_mapping_is_not_also_missing_its_fields():
    assert problems("assessment: [Bot]\nanswers: {}\n", require_details=True) == [
        "assessment: must be a mapping of title, model, base_model, context, not a list"
    ]


def test_missing_answers_are_listed_with_the_other_problems():
    assert problems("assessment: {title: Bot, colour: blue}\n") == [
        "assessment.colour: unknown field; allowed: title, model, base_model, context",
        "answers: missing; map item keys to options, e.g. INQ-01: yes",
    ]


# The details the New assessment form requires (issue 11)


def test_require_details_names_each_missing_detail():
    text = "assessment: {title: Bot, base_model: ''}\nanswers: {}\n"
    assert problems(text, require_details=True) == [
        "assessment.model: missing; give the model name and version, "
        "which a new assessment needs (as on the New assessment form)",
        "assessment.base_model: missing; give the base foundation model, "
        "which a new assessment needs (as on the New assessment form)",
        "assessment.context: missing; give the deployment context, "
        "which a new assessment needs (as on the New assessment form)",
    ]


def test_require_details_accepts_a_complete_file():
    text = "assessment: {title: Bot, model: m, base_model: b, context: c}\nanswers: {}\n"
    parsed = parse(text, require_details=True, every_problem=True)
    assert parsed.details == {"title": "Bot", "model": "m", "base_model": "b", "context": "c"}


def test_a_refused_detail_is_not_also_a_missing_one():
    text = "assessment: {title: Bot, model: 2.3, base_model: b, context: c}\nanswers: {}\n"
    assert problems(text, require_details=True) == [
        "assessment.model: must be text, not the number 2.3 (put it in quotes)"
    ]


def test_without_require_details_only_a_title_is_needed():
    assert parse("assessment: {title: Bot}\nanswers: {}\n").details == {
        "title": "Bot",
        "model": "",
        "base_model": "",
        "context": "",
    }
