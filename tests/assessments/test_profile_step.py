"""The profile step of a format-2 questionnaire: the page, its Save, htmx's one-question saves."""

import re

import pytest

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import ProfileAnswer
from riskassess.checklist.selectors import forget_frozen
from tests.conftest import set_profile

HTMX = {"HTTP_HX_REQUEST": "true"}
# The page's 7 include the nav's unread count (notifications/context.py); the fragment has no nav.
QUERIES_PAGE, QUERIES_CHANGE, QUERIES_AUTOSAVE = 7, 15, 15


def url(assessment, key=""):
    return f"/a/{assessment.pk}/profile/" + (f"{key}/" if key else "")


def skipped_count(assessment) -> int:
    return len(score_data(assessment_data(assessment)).skipped)


def test_the_questionnaire_of_a_format_2_assessment_starts_with_the_profile(
    client, alice, v2_assessment
):
    client.force_login(alice)
    response = client.get(f"/a/{v2_assessment.pk}/q/")
    assert response.status_code == 302 and response.url == url(v2_assessment)
    page = client.get(url(v2_assessment)).content.decode()
    assert "Who can use the system?" in page
    assert 'hx-post="' + url(v2_assessment, "P-USERS") in page
    assert "django_htmx/htmx-2.min.js" in page  # from the installed package, not a CDN
    assert "Step 1 of 6" in page


def test_a_format_1_assessment_has_no_profile(client, alice, assessment):
    client.force_login(alice)
    assert client.get(url(assessment)).status_code == 404


def test_outsiders_get_404_and_viewers_cannot_save(client, charlie, vera, v2_assessment):
    client.force_login(charlie)
    assert client.get(url(v2_assessment)).status_code == 404
    assert client.post(url(v2_assessment, "P-USERS"), {}, **HTMX).status_code == 404
    client.force_login(vera)
    assert client.get(url(v2_assessment)).status_code == 200
    assert client.post(url(v2_assessment), {}).status_code == 403
    response = client.post(
        url(v2_assessment, "P-USERS"), {"P-USERS-choice": "public", "P-USERS-version": "0"}, **HTMX
    )
    assert response.status_code == 403 and "view access" in response.content.decode()
    assert not ProfileAnswer.objects.exists()


def test_an_htmx_change_saves_one_question_and_renders_what_it_decides(
    client, alice, v2_assessment
):
    client.force_login(alice)
    before = skipped_count(v2_assessment)
    response = client.post(
        url(v2_assessment, "P-DECISIONS"),
        {"P-DECISIONS-choice": "none", "P-DECISIONS-version": "0"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    after = skipped_count(v2_assessment)
    assert after > before  # no decisions about people: the decision items go
    assert f'<span data-testid="skipped-count">{after}</span>' in body
    # Out of band: the steps, the question's new version and its status.
    assert 'id="q-steps" hx-swap-oob="true"' in body
    assert re.search(
        r'name="P-DECISIONS-version" value="1" id="P-DECISIONS-version" hx-swap-oob', body
    )
    assert "Saved." in body
    assert 'id="P-DECISIONS-adds" hx-swap-oob="true">adds 0 points</span>' in body
    assert ProfileAnswer.objects.get().choices == ["none"]


def test_a_stale_htmx_change_is_a_conflict_that_names_the_other_choice(
    client, alice, bob, v2_assessment
):
    set_profile(v2_assessment, bob, **{"P-USERS": "staff"})
    client.force_login(alice)
    response = client.post(
        url(v2_assessment, "P-USERS"), {"P-USERS-choice": "public", "P-USERS-version": "0"}, **HTMX
    )
    assert response.status_code == 409
    assert "bob chose “Our own staff”" in response.content.decode()
    assert ProfileAnswer.objects.get().choices == ["staff"]


def test_an_expired_session_says_so_beside_the_question(client, v2_assessment):
    response = client.post(
        url(v2_assessment, "P-USERS"), {"P-USERS-choice": "public", "P-USERS-version": "0"}, **HTMX
    )
    assert response.status_code == 401
    assert response["HX-Reswap"] == "none"
    assert "session has expired" in response.content.decode()


def test_an_unknown_option_is_refused_with_the_allowed_ones(client, alice, v2_assessment):
    client.force_login(alice)
    response = client.post(
        url(v2_assessment, "P-USERS"), {"P-USERS-choice": "robots", "P-USERS-version": "0"}, **HTMX
    )
    assert response.status_code == 400
    assert "robots is not one of the available choices" in response.content.decode()
    assert not ProfileAnswer.objects.exists()


def test_save_without_javascript_saves_the_changed_questions(client, alice, v2_assessment):
    set_profile(v2_assessment, alice, **{"P-USERS": "staff"})
    client.force_login(alice)
    response = client.post(
        url(v2_assessment),
        {
            "P-USERS-choice": "staff",
            "P-USERS-version": "1",
            "P-OUTPUT-choice": ["text", "code"],
            "P-OUTPUT-version": "0",
        },
    )
    assert response.status_code == 302 and response.url == url(v2_assessment)
    rows = {r.question.key: r for r in ProfileAnswer.objects.select_related("question")}
    assert rows["P-OUTPUT"].choices == ["text", "code"]
    assert rows["P-USERS"].version == 1  # unchanged: not saved again


def test_save_with_a_stale_version_keeps_the_page_and_explains(client, alice, bob, v2_assessment):
    set_profile(v2_assessment, bob, **{"P-USERS": "staff"})
    client.force_login(alice)
    response = client.post(url(v2_assessment), {"P-USERS-choice": "minors", "P-USERS-version": "0"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "bob chose" in page
    assert re.search(r'value="minors"[^>]*checked', page)  # the user's choice is still on the page


def test_a_category_page_hides_skipped_items_and_shows_why(client, alice, v2_assessment):
    data = assessment_data(v2_assessment)
    item = next(i for i in data["items"] if i["applies_if"])
    services.save_answer(
        assessment=v2_assessment,
        item_key=item["key"],
        option_key="yes",
        comment="",
        expected_version=0,
        user=alice,
    )
    set_profile(v2_assessment, alice, **_failing(item, data))
    assert item["key"] in score_data(assessment_data(v2_assessment)).skipped
    client.force_login(alice)
    page = client.get(f"/a/{v2_assessment.pk}/q/{item['category']}/").content.decode()
    assert f'id="item-{item["key"]}"' not in page
    assert "skipped by rule: see which and why" in page
    assert "Answer kept, ignored:</strong> Yes" in page and "It applies only when" in page


def _failing(item: dict, data: dict) -> dict:
    """A profile under which the item's own condition fails."""
    key, allowed = next(iter(item["applies_if"].items()))
    question = next(q for q in data["profile"] if q["key"] == key)
    return {key: next(o["key"] for o in question["options"] if o["key"] not in allowed)}


@pytest.mark.parametrize("answered", [0, 12])
def test_the_profile_page_and_a_change_take_a_fixed_number_of_queries(
    client, alice, v2_assessment, answered, django_assert_max_num_queries
):
    questions = assessment_data(v2_assessment)["profile"][:answered]
    set_profile(v2_assessment, alice, **{q["key"]: q["options"][-1]["key"] for q in questions})
    client.force_login(alice)
    client.get(url(v2_assessment))  # warm the session
    with django_assert_max_num_queries(QUERIES_PAGE):
        assert client.get(url(v2_assessment)).status_code == 200
    with django_assert_max_num_queries(QUERIES_CHANGE):
        response = client.post(
            url(v2_assessment, "P-USERS"),
            {"P-USERS-choice": "staff", "P-USERS-version": str(int(answered > 5))},
            **HTMX,
        )
    assert response.status_code == 200


@pytest.mark.parametrize("answered", [0, 40])
def test_a_category_page_and_an_autosave_take_a_fixed_number_of_queries(
    client, alice, v2_assessment, answered, django_assert_num_queries
):
    """Conditions are evaluated on data already loaded: no query per item or per profile answer."""
    data = assessment_data(v2_assessment)
    for item in data["items"][:answered]:
        services.save_answer(
            assessment=v2_assessment,
            item_key=item["key"],
            option_key="partly",
            comment="",
            expected_version=0,
            user=alice,
        )
    profile = data["profile"][: answered // 4]
    set_profile(v2_assessment, alice, **{q["key"]: q["options"][0]["key"] for q in profile})
    client.force_login(alice)
    category = f"/a/{v2_assessment.pk}/q/inequity/"
    client.get(category)
    # session, user, the assessment with its team, checklist and the user's role,
    # the answers with their authors, the profile answers, the evidence, the
    # discussion's threads and comments (one query): the checklist's tree,
    # profile and frameworks are in memory (a published version cannot change);
    # the open assignments (riskassess/work), the items' completed actions
    # (riskassess/actions) and the nav's unread count (notifications/context.py).
    with django_assert_num_queries(10):
        assert client.get(category).status_code == 200
    # Read from the database (a restarted server): its categories, items, options,
    # profile questions with their options, frameworks with their requirements.
    forget_frozen()
    with django_assert_num_queries(17):
        assert client.get(category).status_code == 200
    item = data["items"][-1]["key"]  # never answered above
    with django_assert_num_queries(QUERIES_AUTOSAVE):
        response = client.post(
            f"/a/{v2_assessment.pk}/answers/{item}/",
            {"option": "yes", "comment": "", "version": 0},
            content_type="application/json",
        )
    assert response.status_code == 200 and response.json()["ok"]


def test_previous_from_the_first_category_goes_back_to_the_profile(client, alice, v2_assessment):
    client.force_login(alice)
    page = client.get(f"/a/{v2_assessment.pk}/q/inequity/").content.decode()
    assert 'name="goto" value="_profile"' in page and "Step 2 of 6" in page
    response = client.post(f"/a/{v2_assessment.pk}/q/inequity/", {"goto": "_profile"})
    assert response.status_code == 302 and response.url == url(v2_assessment)
    # And Next on the profile goes to the first category.
    response = client.post(url(v2_assessment), {"goto": "inequity"})
    assert response.url == f"/a/{v2_assessment.pk}/q/inequity/"
