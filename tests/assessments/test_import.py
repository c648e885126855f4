from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from riskassess.assessments import imports
from riskassess.assessments.models import Answer, Assessment, Event
from riskassess.yamlfiles import MAX_FILE_BYTES

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "answers-support-bot.yaml"
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
