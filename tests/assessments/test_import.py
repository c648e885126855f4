import html
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.assessments import answersfile, imports, services
from riskassess.assessments.models import Answer, Assessment, Event
from riskassess.checklist.models import Item
from riskassess.yamlfiles import MAX_FILE_BYTES

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "v1" / "answers-support-bot.yaml"
).read_text()
URL = "/assessments/import/"

pytestmark = pytest.mark.usefixtures("checklist")


def upload(text: str, name: str = "answers.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def post(client, user, team, text: str, **fields):
    client.force_login(user)
    return client.post(URL, {"team": team.pk, "file": upload(text), **fields})


def rows() -> tuple[int, int, int]:
    return Assessment.objects.count(), Answer.objects.count(), Event.objects.count()


DETAILS = {
    "title": "Bot",
    "model": "bot 1.0",
    "base_model": "an open 70B model",
    "context": "EU customers",
}


def answers_json(answers: dict, **details) -> str:
    """A file with every detail the import requires, unless `details` replaces or drops one."""
    given = {k: v for k, v in {**DETAILS, **details}.items() if v is not None}
    return json.dumps({"assessment": given, "answers": answers})


def file_errors(response) -> list[str]:
    return list(response.context["form"].errors["file"])


def test_the_route_has_its_name():
    assert reverse("assessment_import") == URL


def test_it_imports_the_example_and_shows_the_results(client, alice, team):
    response = post(client, alice, team, EXAMPLE)
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("results", args=[assessment.pk])
    assert (assessment.team, assessment.title) == (team, "Customer-support assistant")
    assert assessment.answers.count() == 60
    inq02 = assessment.answers.get(item__key="INQ-02")
    assert (inq02.option.key, inq02.updated_by) == ("partly", alice)
    assert [e.kind for e in assessment.events.all()] == ["created", "imported"]


def test_the_results_page_shows_the_success_message(client, alice, team):
    response = post(client, alice, team, EXAMPLE)
    assert "Imported 60 answers from answers.yaml." in client.get(response.url).content.decode()


def test_the_title_field_replaces_the_files_title(client, bob, team):
    post(client, bob, team, EXAMPLE, title="Support bot, Q4 review")
    assert Assessment.objects.get().title == "Support bot, Q4 review"


def test_a_file_with_one_bad_key_imports_nothing(client, alice, team):
    response = post(client, alice, team, EXAMPLE + "  XYZ-99: yes\n")
    assert response.status_code == 400
    assert "answers.XYZ-99: unknown item; items of foundation-model-risks v1 are" in (
        response.content.decode()
    )
    assert rows() == (0, 0, 0)


def test_a_file_over_2_mib_imports_nothing(client, alice, team):
    response = post(client, alice, team, "#" * (MAX_FILE_BYTES + 1))
    assert response.status_code == 400
    assert rows() == (0, 0, 0)


def test_a_failure_half_way_leaves_nothing_behind(client, alice, team, monkeypatch):
    create = Event.objects.create

    def fail_after_the_answers(**kwargs):
        if kwargs["kind"] == Event.Kind.IMPORTED:
            raise RuntimeError("the database went away")
        return create(**kwargs)

    monkeypatch.setattr(imports.Event.objects, "create", fail_after_the_answers)
    with pytest.raises(RuntimeError):
        post(client, alice, team, EXAMPLE)
    assert rows() == (0, 0, 0)


def test_a_viewer_is_refused(client, vera, team):
    client.force_login(vera)
    assert client.get(URL).status_code == 403
    assert post(client, vera, team, EXAMPLE).status_code == 403
    assert rows() == (0, 0, 0)


def test_an_outsider_cannot_import_into_another_team(client, alice, charlie, team):
    response = post(client, charlie, team, EXAMPLE)
    assert response.status_code == 400
    assert rows() == (0, 0, 0)


def test_it_offers_only_the_teams_the_user_may_answer_for(client, charlie, team, other_team):
    client.force_login(charlie)
    body = client.get(URL).content.decode()
    assert other_team.name in body and team.name not in body


def test_it_needs_a_login(client, team):
    for response in (client.get(URL), client.post(URL, {"team": team.pk, "file": upload(EXAMPLE)})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert rows() == (0, 0, 0)


def test_it_enforces_csrf(alice, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(URL, {"team": team.pk, "file": upload(EXAMPLE)}).status_code == 403
    assert rows() == (0, 0, 0)


# The details the New assessment form requires are required here too (issue 11)


def test_a_file_without_model_base_model_or_context_imports_nothing_naming_them(
    client, alice, team
):
    text = "assessment: {title: Bot}\nanswers: {INQ-01: yes}\n"
    response = post(client, alice, team, text)
    assert response.status_code == 400
    errors = file_errors(response)
    assert [e.split(":")[0] for e in errors] == [
        "assessment.model",
        "assessment.base_model",
        "assessment.context",
    ]
    assert errors[0] == (
        "assessment.model: missing; give the model name and version, "
        "which a new assessment needs (as on the New assessment form)"
    )
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize("field", ["model", "base_model", "context"])
def test_a_blank_required_detail_is_missing_too(client, alice, team, field):
    response = post(client, alice, team, answers_json({"INQ-01": "yes"}, **{field: "  "}))
    assert response.status_code == 400
    assert [e.split(":")[0] for e in file_errors(response)] == [f"assessment.{field}"]
    assert rows() == (0, 0, 0)


def test_the_title_field_still_stands_in_for_a_missing_title(client, alice, team):
    response = post(client, alice, team, answers_json({"INQ-01": "yes"}, title=None))
    assert response.status_code == 400
    assert file_errors(response) == ["assessment.title: missing; give the assessment a title"]
    response = post(client, alice, team, answers_json({}, title=None), title="Typed in")
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.title, assessment.model_name, assessment.base_model) == (
        "Typed in",
        "bot 1.0",
        "an open 70B model",
    )
    assert assessment.context == "EU customers"


def sample_on_the_page(client, user) -> str:
    client.force_login(user)
    page = client.get(URL).content.decode()
    found = re.search(r'aria-label="An example answers file"><code>(.*?)</code></pre>', page, re.S)
    assert found, "no sample answers file on the Import page"
    return html.unescape(found.group(1))


def test_the_sample_on_the_import_page_is_complete_and_imports(client, alice, team):
    sample = sample_on_the_page(client, alice)
    parsed = answersfile.parse(sample, require_details=True, every_problem=True)
    assert all(parsed.details.values()), parsed.details
    response = post(client, alice, team, sample, title="")
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.title, assessment.model_name, assessment.base_model, assessment.context) == (
        parsed.details["title"],
        parsed.details["model"],
        parsed.details["base_model"],
        parsed.details["context"],
    )
    assert assessment.answers.count() == len(parsed.answers) == 3


# Every problem of a file at once (issue 11)


def test_it_lists_every_problem_of_a_file_in_order(client, alice, team):
    text = (
        "assessment: {title: Bot, model: bot 1.0, colour: blue}\n"
        "answers:\n"
        "  XYZ-99: yes\n"
        "  INQ-02: maybe\n"
        "  ENV-04: na\n"
        "  INQ-03: {answer: yes, coment: typo}\n"
    )
    response = post(client, alice, team, text)
    assert response.status_code == 400
    errors = file_errors(response)
    assert [e.split(":")[0] for e in errors] == [
        "assessment.colour",
        "assessment.base_model",
        "assessment.context",
        "answers.XYZ-99",
        "answers.INQ-02",
        "answers.ENV-04",
        "answers.INQ-03.coment",
    ]
    assert errors[4] == (
        "answers.INQ-02: 'maybe' is not an option; allowed: yes, partly, no, unknown, na"
    )
    body = response.content.decode()
    assert "Nothing was imported: the file has 7 problems, listed under it." in body
    for error in errors:
        assert html.escape(error) in body
    assert rows() == (0, 0, 0)


def test_a_single_problem_needs_no_summary(client, alice, team):
    response = post(client, alice, team, answers_json({"INQ-02": "maybe"}))
    assert len(file_errors(response)) == 1
    assert "Nothing was imported: the file has" not in response.content.decode()


def test_it_lists_at_most_50_problems_then_how_many_more(client, alice, team):
    response = post(client, alice, team, answers_json({f"XYZ-{n:02}": "yes" for n in range(80)}))
    assert response.status_code == 400
    errors = file_errors(response)
    assert len(errors) == 51
    assert errors[0].startswith("answers.XYZ-00: unknown item;")
    assert errors[49].startswith("answers.XYZ-49: unknown item;")
    assert errors[50] == "and 30 more problems"
    assert "the file has 80 problems" in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_file_that_is_not_a_mapping_stops_at_that(client, alice, team):
    response = post(client, alice, team, "- INQ-01\n- INQ-02\n")
    assert file_errors(response) == [
        "the file must be a mapping with checklist, version, assessment, profile, answers, "
        "not a list"
    ]


def test_an_unknown_checklist_stops_the_checks_after_the_top_level_fields(client, alice, team):
    text = "checklist: nope\nteam: Bravo\nassessment: {title: Bot}\nanswers: {XYZ-99: yes}\n"
    assert file_errors(post(client, alice, team, text)) == [
        "team: unknown field; allowed: checklist, version, assessment, profile, answers",
        "checklist: no published checklist 'nope'; published: foundation-model-risks v1",
    ]
    assert rows() == (0, 0, 0)


# The History shows the import (issue 11)


def test_the_history_shows_the_import_and_the_imported_answers_by_the_importer(
    client, alice, bob, team
):
    post(client, bob, team, EXAMPLE)
    assessment = Assessment.objects.get()
    client.force_login(alice)
    url = reverse("assessment_history", args=[assessment.pk])
    response = client.get(url)
    assert response.status_code == 200
    events = response.context["events"]
    assert [(e.kind, e.username) for e in events] == [("imported", "bob"), ("created", "bob")]
    assert events[0].note == "60 answers from answers.yaml"
    body = response.content.decode()
    assert "Imported from a file" in body and "60 answers from answers.yaml" in body
    assert "60 changes, newest first" in body
    assert "No answer has been saved yet." not in body

    changes = (
        response.context["answer_changes"] + client.get(url, {"page": 2}).context["answer_changes"]
    )
    assert len(changes) == 60
    assert {c["user"] for c in changes} == {"bob"}
    # Recorded at the import's time, the time of its event.
    assert {c["at"] for c in changes} == {events[0].at}
    inq02 = next(c for c in changes if c["item"].key == "INQ-02")
    assert (inq02["before_answer"], inq02["after_answer"]) == (None, "Partly")
    assert inq02["after_comment"] == assessment.answers.get(item__key="INQ-02").comment


def test_a_later_change_of_an_imported_answer_shows_the_imported_one_as_before(
    client, alice, bob, team
):
    post(client, alice, team, EXAMPLE)
    assessment = Assessment.objects.get()
    services.save_answer(
        assessment=assessment,
        item_key="INQ-02",
        option_key="yes",
        comment="Now in Spanish too",
        expected_version=1,
        user=bob,
    )
    client.force_login(alice)
    response = client.get(reverse("assessment_history", args=[assessment.pk]))
    newest = response.context["answer_changes"][0]
    assert (newest["user"], newest["item"].key) == ("bob", "INQ-02")
    assert (newest["before_answer"], newest["after_answer"]) == ("Partly", "Yes")


def test_the_import_takes_the_same_number_of_queries_for_2_answers_as_for_60(client, alice, team):
    every = {
        key: ({"answer": "na", "comment": "n/a"} if key.startswith("ENV") else "yes")
        for key in Item.objects.values_list("key", flat=True)
    }
    two = dict(list(every.items())[:2])
    post(client, alice, team, answers_json(two))  # warm-up: caches, session

    def queries_for(answers: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert post(client, alice, team, answers_json(answers)).status_code == 302
        return len(queries)

    assert len(every) == 60
    assert queries_for(two) == queries_for(every)
    assert Answer.objects.count() == 2 + 2 + 60
    assert Answer.history.count() == 2 + 2 + 60
