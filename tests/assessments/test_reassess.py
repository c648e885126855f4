"""Re-assessing a deployment: a new draft carried over from its latest revision."""

import pytest

from riskassess.assessments import reassess, services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Answer, Event, ProfileAnswer
from tests.conftest import answer_all, set_profile


def url(deployment) -> str:
    return f"/d/{deployment.pk}/reassess/"


def submitted(assessment, user, option="yes"):
    answer_all(assessment, user, option)
    services.save_answer(
        assessment=assessment, item_key="INQ-01", option_key="partly", comment="EN only",
        expected_version=1, user=user,
    )  # fmt: skip
    services.submit(assessment=assessment, user=user)
    assessment.refresh_from_db()
    return assessment


def test_a_re_assessment_carries_answers_and_comments_into_a_new_draft(client, alice, assessment):
    submitted(assessment, alice)
    deployment = assessment.deployment
    client.force_login(alice)
    page = client.get(url(deployment)).content.decode()
    assert "from revision 1 of “Support bot”" in page
    response = client.post(url(deployment), {"revision": 1})
    assert response.status_code == 302
    new = deployment.assessments.exclude(pk=assessment.pk).get()
    assert new.is_editable and new.checklist == assessment.checklist
    assert response.url == f"/a/{new.pk}/q/"
    data = assessment_data(new)
    answers = {i["key"]: (i["answer"], i["comment"]) for i in data["items"]}
    assert answers["INQ-01"] == ("partly", "EN only") and answers["INQ-02"] == ("yes", "")
    assert not Answer.objects.filter(assessment=new, to_confirm=True).exists()
    event = new.events.get(kind=Event.Kind.REASSESSED)
    assert event.data["from_revision"] == 1 and len(event.data["carried"]) == len(data["items"])
    # Every carried answer is in the History as the re-assessing user's change.
    assert Answer.history.filter(assessment_id=new.pk, history_user=alice).count() == len(
        data["items"]
    )
    # The revision it came from is as it was.
    assert assessment.revisions.get().snapshot["items"][0]["comment"] == "EN only"


def test_a_re_assessment_moves_to_the_newest_version_and_flags_what_changed(
    alice, assessment, v2_checklist
):
    submitted(assessment, alice)
    moves = reassess.plan(assessment.deployment)
    assert moves.target == v2_checklist
    assert moves.new and moves.to_confirm  # version 2 rewords most items and adds others
    new = reassess.start(assessment.deployment, user=alice, expected_revision=1)
    confirm = Answer.objects.filter(assessment=new, to_confirm=True).select_related("item")
    assert {a.item.key for a in confirm} == {row["key"] for row in moves.to_confirm}
    carried = confirm.first().carried
    assert carried["checklist_version"] == 1 and carried["answer_label"]
    assert not ProfileAnswer.objects.filter(assessment=new).exists()  # v1 had no profile


def test_the_profile_is_carried_by_question(alice, v2_assessment):
    set_profile(v2_assessment, alice, **_first_options(v2_assessment))
    answer_all(v2_assessment, alice, "yes")
    services.submit(assessment=v2_assessment, user=alice)
    new = reassess.start(v2_assessment.deployment, user=alice)
    before = {q["key"]: q["answers"] for q in v2_assessment.revisions.get().snapshot["profile"]}
    after = {q["key"]: q["answers"] for q in assessment_data(new)["profile"]}
    assert after == before


def _first_options(assessment) -> dict:
    return {q["key"]: q["options"][0]["key"] for q in assessment_data(assessment)["profile"]}


def test_a_deployment_never_submitted_cannot_be_re_assessed(client, alice, assessment):
    client.force_login(alice)
    response = client.get(url(assessment.deployment), follow=True)
    assert "no submitted assessment to start from" in response.content.decode()
    assert assessment.deployment.assessments.count() == 1


def test_a_stale_preview_makes_nothing(client, alice, assessment):
    submitted(assessment, alice)
    client.force_login(alice)
    response = client.post(url(assessment.deployment), {"revision": 7}, follow=True)
    assert "A newer revision was submitted since the preview" in response.content.decode()
    assert assessment.deployment.assessments.count() == 1


@pytest.mark.parametrize("who, status", [("charlie", 404), ("vera", 403)])
def test_outsiders_get_404_and_viewers_403(client, request, assessment, alice, who, status):
    submitted(assessment, alice)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(assessment.deployment)).status_code == status
    assert client.post(url(assessment.deployment), {"revision": 1}).status_code == status
    assert assessment.deployment.assessments.count() == 1


def test_the_deployment_page_offers_re_assessment_and_comparison_once_submitted(
    client, alice, vera, assessment
):
    client.force_login(alice)
    page = client.get(f"/deployments/{assessment.deployment_id}/").content.decode()
    assert url(assessment.deployment) not in page and "Compare revisions" not in page
    submitted(assessment, alice)
    page = client.get(f"/deployments/{assessment.deployment_id}/").content.decode()
    assert url(assessment.deployment) in page
    assert "Compare revisions" not in page  # one revision: nothing to compare it with
    reassess.start(assessment.deployment, user=alice)
    page = client.get(f"/deployments/{assessment.deployment_id}/").content.decode()
    assert f'href="/d/{assessment.deployment_id}/compare/"' in page
    client.force_login(vera)  # a viewer compares, but does not re-assess
    page = client.get(f"/deployments/{assessment.deployment_id}/").content.decode()
    assert url(assessment.deployment) not in page and "Compare revisions" in page
