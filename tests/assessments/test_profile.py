"""Profile answers of a format-2 assessment: stored, checked, scored, imported, carried."""

import dataclasses
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from riskassess.assessments import services, upgrade
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import Event, ProfileAnswer
from riskassess.checklist.services import load_checklist
from tests.conftest import answer_all, set_profile

CALIBRATION = Path(__file__).resolve().parents[2] / "examples" / "calibration"


def save(assessment, user, key, options, version=0):
    return services.save_profile(
        assessment=assessment,
        question_key=key,
        option_keys=options,
        expected_version=version,
        user=user,
    )


def test_a_profile_answer_is_stored_in_the_questions_order(v2_assessment, alice):
    saved = save(v2_assessment, alice, "P-OUTPUT", ["code", "text"])
    assert saved.changed and saved.answer["choices"] == ["text", "code"]
    assert saved.answer["version"] == 1 and saved.answer["answered_by"] == "alice"
    data = assessment_data(v2_assessment)
    output = next(q for q in data["profile"] if q["key"] == "P-OUTPUT")
    assert output["answers"] == ["text", "code"]


def test_the_same_choice_again_changes_nothing(v2_assessment, alice):
    save(v2_assessment, alice, "P-USERS", ["staff"])
    again = save(v2_assessment, alice, "P-USERS", ["staff"], version=1)
    assert not again.changed and again.answer["version"] == 1


@pytest.mark.parametrize(
    "key, options, message",
    [
        ("P-NOPE", ["staff"], "'P-NOPE' is not a profile question"),
        ("P-USERS", ["robots"], "'robots' is not an option of P-USERS; allowed: staff,"),
        ("P-USERS", ["staff", "public"], "P-USERS takes one option, not 2"),
    ],
)
def test_a_bad_profile_answer_is_refused_with_its_reason(
    v2_assessment, alice, key, options, message
):
    with pytest.raises(services.AnswerError, match=message):
        save(v2_assessment, alice, key, options)
    assert not ProfileAnswer.objects.exists()


def test_a_stale_version_is_a_conflict_that_overwrites_nothing(v2_assessment, alice, bob):
    save(v2_assessment, alice, "P-USERS", ["staff"])
    with pytest.raises(services.Conflict) as raised:
        save(v2_assessment, bob, "P-USERS", ["public"], version=0)
    assert raised.value.current["choices"] == ["staff"]
    assert ProfileAnswer.objects.get().choices == ["staff"]


def test_a_submitted_assessment_refuses_profile_changes(v2_assessment, alice):
    set_profile(v2_assessment, alice, **_full_profile(v2_assessment))
    answer_all(v2_assessment, alice, "yes")
    services.submit(assessment=v2_assessment, user=alice)
    with pytest.raises(services.Locked):
        save(v2_assessment, alice, "P-USERS", ["public"], version=1)


def _full_profile(assessment) -> dict:
    """The first option of every profile question."""
    data = assessment_data(assessment)
    return {q["key"]: q["options"][0]["key"] for q in data["profile"]}


def test_the_profile_decides_what_applies_and_the_impact(v2_assessment, alice):
    before = score_data(assessment_data(v2_assessment))
    assert before.tier == "very_high"  # unanswered questions count at their worst
    set_profile(v2_assessment, alice, **_full_profile(v2_assessment))
    after = score_data(assessment_data(v2_assessment))
    assert after.impact_total < before.impact_total
    assert len(after.skipped) > len(before.skipped)


def test_submitting_freezes_the_profile_in_the_revision(v2_assessment, alice):
    set_profile(v2_assessment, alice, **_full_profile(v2_assessment))
    answer_all(v2_assessment, alice, "yes")
    services.submit(assessment=v2_assessment, user=alice)
    revision = v2_assessment.revisions.get()
    assert revision.report["schema"] == "riskassess.report/2"
    users = next(q for q in revision.report["profile"] if q["key"] == "P-USERS")
    assert users["answers"] == ["staff"]
    # A later edit of the draft, after reopening, leaves the revision as it was.
    services.reopen(assessment=v2_assessment, user=alice)
    save(v2_assessment, alice, "P-USERS", ["public"], version=1)
    revision.refresh_from_db()
    users = next(q for q in revision.report["profile"] if q["key"] == "P-USERS")
    assert users["answers"] == ["staff"]


def test_the_web_import_stores_the_profile_and_scores_as_assess_does(
    client, alice, team, v2_checklist, tmp_path
):
    name = "a-internal-tool.yaml"
    body = (CALIBRATION / name).read_bytes()
    client.force_login(alice)
    response = client.post(
        "/assessments/import/", {"team": team.pk, "file": SimpleUploadedFile(name, body)}
    )
    assert response.status_code == 302
    imported = v2_checklist.assessments.get()
    assert imported.profile.count() > 0
    assert all(row.updated_by == alice for row in imported.profile.all())
    assert imported.profile.model.history.filter(assessment_id=imported.pk).exists()
    out = tmp_path / "r.json"
    call_command("assess", str(CALIBRATION / name), "--json", str(out))
    expected = json.loads(out.read_text())
    result = score_data(assessment_data(imported))
    assert result.level == expected["overall"]["level"]
    assert result.impact_total == expected["impact"]["total"]


def test_the_web_import_names_a_bad_profile_option(client, alice, team, v2_checklist):
    body = (
        b"checklist: foundation-model-risks\nversion: 2\nprofile: {P-USERS: robots}\nanswers: {}\n"
    )
    client.force_login(alice)
    response = client.post(
        "/assessments/import/",
        {"team": team.pk, "file": SimpleUploadedFile("a.yaml", body), "title": "x"},
    )
    assert response.status_code == 400
    assert "profile.P-USERS: &#x27;robots&#x27; is not an option" in response.content.decode()
    assert not v2_checklist.assessments.exists()


def test_moving_to_a_newer_version_carries_the_profile_by_key(v2_assessment, alice, v2_spec):
    # Version 3 drops P-REACH, and P-SCALE's "over-10m" option (neither is in a condition).
    questions = []
    for question in v2_spec.profile:
        if question.key == "P-REACH":
            continue
        if question.key == "P-SCALE":
            question = dataclasses.replace(
                question, options=[o for o in question.options if o.key != "over-10m"]
            )
        questions.append(question)
    v3, _ = load_checklist(dataclasses.replace(v2_spec, version=3, profile=questions))
    set_profile(
        v2_assessment, alice, **{"P-USERS": "public", "P-SCALE": "over-10m", "P-REACH": "user"}
    )

    upgrade.apply(v2_assessment, target_id=v3.pk, user=alice)

    v2_assessment.refresh_from_db()
    assert v2_assessment.checklist == v3
    rows = {row.question.key: row for row in v2_assessment.profile.select_related("question")}
    assert set(rows) == {"P-USERS", "P-SCALE"}
    assert rows["P-USERS"].question.checklist == v3 and rows["P-USERS"].choices == ["public"]
    assert rows["P-SCALE"].choices == []  # the option it had is gone: asked again
    event = v2_assessment.events.get(kind=Event.Kind.UPGRADED)
    assert event.data["profile_removed"] == [{"key": "P-REACH", "choices": ["user"]}]
    assert next(q for q in assessment_data(v2_assessment)["profile"] if q["key"] == "P-USERS")[
        "answers"
    ] == ["public"]


def test_a_version_1_draft_moves_to_version_2_and_is_told_about_the_profile(
    client, alice, assessment, v2_checklist
):
    answer_all(assessment, alice, "yes")
    client.force_login(alice)
    page = client.get(f"/a/{assessment.pk}/upgrade/").content.decode()
    assert "asks a profile of <strong>19</strong> questions first" in page
    response = client.post(f"/a/{assessment.pk}/upgrade/", {"target": v2_checklist.pk})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.checklist == v2_checklist
    result = score_data(assessment_data(assessment))
    assert result.provisional and result.tier == "very_high"  # the profile, unanswered
    assert client.get(f"/a/{assessment.pk}/q/").url == f"/a/{assessment.pk}/profile/"


def test_the_history_lists_profile_changes_with_their_labels(client, alice, bob, v2_assessment):
    set_profile(v2_assessment, alice, **{"P-USERS": "staff"})
    set_profile(v2_assessment, bob, **{"P-USERS": "public", "P-OUTPUT": ["text", "code"]})
    client.force_login(alice)
    page = client.get(f"/a/{v2_assessment.pk}/history/").content.decode()
    assert "3 changes, newest first" in page
    rows = page.split('id="profile-changes-h"')[1].split("</table>")[0]
    # bob's change of P-USERS shows what it was before.
    assert '<td class="small">bob</td>' in rows
    assert "Our own staff</td>" in rows and "<strong>The public</strong>" in rows
    assert "<strong>Generated text; Generated code</strong>" in rows


def test_the_history_of_a_format_1_assessment_has_no_profile_section(client, alice, assessment):
    client.force_login(alice)
    assert "Profile changes" not in client.get(f"/a/{assessment.pk}/history/").content.decode()


@pytest.mark.parametrize("changes", [4, 36])
def test_the_history_takes_a_fixed_number_of_queries(
    client, alice, v2_assessment, changes, django_assert_num_queries
):
    data = assessment_data(v2_assessment)
    for n in range(changes):
        # Each question answered, then changed: every size has changes with a "before".
        question = data["profile"][n % (changes // 2)]
        choice = question["options"][(n // (changes // 2)) % 2]["key"]
        set_profile(v2_assessment, alice, **{question["key"]: choice})
    client.force_login(alice)
    # test_history.py's 9 less the answers' page and earlier versions (there are no
    # answers), and the profile's count, changes, earlier versions and option labels.
    # (test_history.py's 10 has the nav's unread count (notifications/context.py).)
    with django_assert_num_queries(12):
        client.get(f"/a/{v2_assessment.pk}/history/")
