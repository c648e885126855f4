"""The questionnaire pages: what they show, the Save button without JavaScript, and access."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.forms import fingerprint
from riskassess.assessments.models import Answer
from riskassess.checklist.selectors import forget_frozen
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from tests.checklist.test_loader import small_data


def page(assessment, category="inequity"):
    return reverse("questionnaire", args=[assessment.pk, category])


def answer(assessment, user, key, option, comment=""):
    stored = Answer.objects.filter(assessment=assessment, item__key=key).first()
    return services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=stored.version if stored else 0,
        user=user,
    )


def form(assessment, category="inequity", **changes):
    """What the page posts: every item's stored values, with `changes` ({"INQ_02": ("no", "")})."""
    data = {}
    for item in assessment_data(assessment)["items"]:
        if item["category"] != category:
            continue
        key = item["key"]
        option, comment = changes.get(key.replace("-", "_"), (item["answer"], item["comment"]))
        if option:
            data[f"{key}-option"] = option
        data[f"{key}-comment"] = comment
        data[f"{key}-version"] = item["version"]
        data[f"{key}-original"] = fingerprint(item["answer"], item["comment"])
    return data


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self.tags = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "textarea" or (tag == "input" and attrs.get("type") in {"radio", "text"}):
            self.inputs.append(attrs)
        if tag == "label":
            self.labels.add(attrs.get("for"))


def controls(response) -> Controls:
    parser = Controls()
    parser.feed(response.content.decode())
    return parser


def test_it_starts_at_the_first_category(client, alice, assessment):
    client.force_login(alice)
    response = client.get(reverse("questionnaire_start", args=[assessment.pk]))
    assert response.status_code == 302
    assert response.url == page(assessment, "inequity")


def test_it_shows_each_item_in_a_fieldset_with_a_legend(client, alice, assessment):
    client.force_login(alice)
    body = client.get(page(assessment)).content.decode()
    assert body.count("<fieldset") == body.count("<legend") == 15
    assert "INQ-01" in body and "INQ-15" in body and "MIS-01" not in body


def test_it_labels_every_input(client, alice, assessment):
    client.force_login(alice)
    found = controls(client.get(page(assessment)))
    # Five options and a comment per item; the evidence fields post to forms of their own.
    answers = [control for control in found.inputs if "form" not in control]
    assert len(answers) == 15 * 5 + 15
    assert all(control["id"] in found.labels for control in found.inputs)


def test_it_shows_guidance_and_mitigation_in_an_expandable_section(client, alice, assessment):
    client.force_login(alice)
    body = client.get(page(assessment)).content.decode()
    assert body.count('<details class="q-guidance"') == 15
    assert "summarises the biases the provider reports" in body
    assert "Request bias documentation from the provider" in body


def test_it_shows_progress_per_category_and_overall(client, alice, assessment, checklist):
    answer(assessment, alice, "INQ-01", "yes")
    answer(assessment, alice, "MIS-01", "na", "Internal tool")
    client.force_login(alice)
    shown = text(client.get(page(assessment)))
    required = checklist.items.filter(required=True).count()
    assert f"2 of {required} required answered" in shown
    assert "1 of 15 required answered in this category" in shown


def test_it_marks_the_current_step(client, alice, assessment):
    client.force_login(alice)
    body = client.get(page(assessment, "misuse")).content.decode()
    assert body.count('aria-current="step"') == 1
    assert re.search(r'data-step="misuse" aria-current="step"', body)


def test_it_links_previous_and_next_categories(client, alice, assessment):
    client.force_login(alice)
    shown = text(client.get(page(assessment, "misuse")))
    assert "Previous: Inequity and fairness" in shown
    assert "Next: Environmental impact" in shown


def test_it_has_a_save_button_that_works_without_javascript(client, alice, assessment):
    client.force_login(alice)
    body = client.get(page(assessment)).content.decode()
    assert '<form method="post"' in body
    assert '<button type="submit" class="btn btn-primary px-4" id="q-save">Save</button>' in body


def test_it_has_no_inline_script_or_style(client, alice, assessment):
    client.force_login(alice)
    found = controls(client.get(page(assessment)))
    assert all("style" not in attrs for _, attrs in found.tags)
    assert all(attrs.get("src") for tag, attrs in found.tags if tag == "script")


def test_it_404s_for_an_unknown_category(client, alice, assessment):
    client.force_login(alice)
    assert client.get(page(assessment, "nope")).status_code == 404


def test_it_saves_only_the_changed_items(client, bob, assessment):
    answer(assessment, bob, "INQ-01", "yes")
    answer(assessment, bob, "INQ-02", "no")
    client.force_login(bob)
    response = client.post(page(assessment), form(assessment, INQ_02=("partly", "Spanish only")))
    assert response.status_code == 302 and response.url == page(assessment)
    saved = {a.item.key: a for a in Answer.objects.filter(assessment=assessment)}
    assert set(saved) == {"INQ-01", "INQ-02"}
    assert saved["INQ-01"].version == 1
    assert (saved["INQ-02"].option.key, saved["INQ-02"].comment, saved["INQ-02"].version) == (
        "partly",
        "Spanish only",
        2,
    )


def test_it_goes_to_the_chosen_category_after_saving(client, bob, assessment):
    client.force_login(bob)
    data = form(assessment, INQ_01=("yes", "")) | {"goto": "misuse"}
    response = client.post(page(assessment), data)
    assert response.url == page(assessment, "misuse")
    assert Answer.objects.get(assessment=assessment).option.key == "yes"


def test_it_stores_posted_line_breaks_as_typed(client, bob, assessment):
    client.force_login(bob)
    client.post(page(assessment), form(assessment, INQ_01=("yes", "one\r\ntwo")))
    assert Answer.objects.get(assessment=assessment).comment == "one\ntwo"


def test_it_keeps_unicode_intact(client, bob, assessment):
    comment = "Tested 👩🏽‍💻 with עברית and e\u0301"
    client.force_login(bob)
    client.post(page(assessment), form(assessment, INQ_01=("yes", comment)))
    assert Answer.objects.get(assessment=assessment).comment == comment
    assert comment in client.get(page(assessment)).content.decode()


def test_a_refused_post_keeps_every_posted_value(client, bob, assessment):
    answer(assessment, bob, "INQ-01", "yes", "Model card read")
    client.force_login(bob)
    data = form(assessment, INQ_01=("maybe", "New evidence"), INQ_03=("no", "Not tested yet"))
    response = client.post(page(assessment), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "&#x27;maybe&#x27; is not an answer to INQ-01" in body
    assert "New evidence</textarea>" in body and "Not tested yet</textarea>" in body
    stored = Answer.objects.get(assessment=assessment, item__key="INQ-01")
    assert (stored.option.key, stored.comment, stored.version) == ("yes", "Model card read", 1)


def test_a_refused_post_still_saves_its_valid_items(client, bob, assessment):
    client.force_login(bob)
    data = form(assessment, INQ_01=("maybe", ""), INQ_03=("no", "Not tested yet"))
    response = client.post(page(assessment), data)
    assert response.status_code == 400
    assert Answer.objects.get(assessment=assessment, item__key="INQ-03").option.key == "no"
    assert "The 1 other change on this page was saved." in text(response)


def test_not_applicable_needs_a_justification(client, bob, assessment):
    client.force_login(bob)
    response = client.post(page(assessment), form(assessment, INQ_01=("na", "  ")))
    assert response.status_code == 400
    assert "needs a justification" in response.content.decode()
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_a_conflict_shows_both_values_and_overwrites_nothing(client, alice, bob, assessment):
    answer(assessment, bob, "INQ-01", "yes", "First look")
    stale = form(assessment, INQ_01=("partly", "Bob view"))
    answer(assessment, alice, "INQ-01", "no", "Alice view")
    client.force_login(bob)
    response = client.post(page(assessment), stale)
    assert response.status_code == 409
    shown = text(response)
    assert "Saved by alice at" in shown and "No Alice view" in shown
    assert "Yours, not saved yet: Partly Bob view" in shown
    assert 'name="INQ-01-version" value="2"' in response.content.decode()
    stored = Answer.objects.get(assessment=assessment)
    assert (stored.option.key, stored.comment, stored.version) == ("no", "Alice view", 2)


def test_saving_again_after_a_conflict_keeps_mine(client, alice, bob, assessment):
    answer(assessment, bob, "INQ-01", "yes")
    stale = form(assessment, INQ_01=("partly", "Bob view"))
    answer(assessment, alice, "INQ-01", "no")
    client.force_login(bob)
    client.post(page(assessment), stale)
    response = client.post(page(assessment), stale | {"INQ-01-version": 2})
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment).option.key == "partly"


def test_it_leaves_alone_items_the_user_did_not_touch(client, alice, bob, assessment):
    answer(assessment, bob, "INQ-01", "yes")
    loaded = form(assessment, INQ_02=("no", ""))
    answer(assessment, alice, "INQ-01", "no", "Changed meanwhile")
    client.force_login(bob)
    assert client.post(page(assessment), loaded).status_code == 302
    assert Answer.objects.get(assessment=assessment, item__key="INQ-01").option.key == "no"
    assert Answer.objects.get(assessment=assessment, item__key="INQ-02").option.key == "no"


def test_a_viewer_sees_the_page_read_only(client, vera, assessment):
    client.force_login(vera)
    response = client.get(page(assessment))
    assert response.status_code == 200
    assert "You have view access." in text(response)
    assert all("disabled" in control for control in controls(response).inputs)
    assert 'id="q-save"' not in response.content.decode()


def test_a_viewer_cannot_save(client, vera, assessment):
    client.force_login(vera)
    response = client.post(page(assessment), form(assessment, INQ_01=("yes", "")))
    assert response.status_code == 403
    assert not Answer.objects.exists()


def answer_all(assessment, user):
    for item in assessment_data(assessment)["items"]:
        answer(assessment, user, item["key"], item["options"][0]["key"])


def test_a_submitted_assessment_is_read_only(client, alice, assessment):
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    client.force_login(alice)
    response = client.get(page(assessment))
    assert "an owner can reopen it" in text(response) and "Submitted on" in text(response)
    assert all("disabled" in control for control in controls(response).inputs)
    assert 'id="q-save"' not in response.content.decode()


def test_saving_a_submitted_assessment_is_refused(client, alice, assessment):
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    client.force_login(alice)
    response = client.post(page(assessment), form(assessment, INQ_01=("no", "Late change")))
    assert response.status_code == 409
    assert Answer.objects.get(assessment=assessment, item__key="INQ-01").option.key == "yes"


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404(client, charlie, assessment, method):
    client.force_login(charlie)
    assert getattr(client, method)(page(assessment)).status_code == 404
    start = reverse("questionnaire_start", args=[assessment.pk])
    assert client.get(start).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_log_in(client, assessment, method):
    response = getattr(client, method)(page(assessment))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_saving_needs_a_csrf_token(bob, assessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(page(assessment), form(assessment, INQ_01=("yes", "")))
    assert response.status_code == 403
    assert not Answer.objects.exists()


def _page_queries(client, django_assert_num_queries, url) -> None:
    # session, user, the assessment with its team, checklist and the user's role,
    # then assessment_data: categories, items, options, answers with their authors;
    # and once the published version's tree is in memory, only the answers;
    # and the assessment's evidence, all of it at once (riskassess/evidence);
    # and its discussion threads with their comments, in one query (riskassess/discussion);
    # and its open assignments, in one query (riskassess/work);
    # and its items' completed actions, in one query (riskassess/actions);
    # and the nav's unread count (notifications/context.py).
    forget_frozen()
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


def test_the_page_queries_do_not_grow_with_items(
    client, alice, bob, team, assessment, django_assert_num_queries
):
    big_data = small_data()
    big_data["slug"] = "big"
    big_data["categories"][0]["items"] += [
        {"key": f"X-{n:03}", "question": f"Question {n}?"} for n in range(200)
    ]
    big_checklist = load_checklist(validate(big_data))[0]
    big = services.create_assessment(
        user=alice,
        team=team,
        checklist=big_checklist,
        title="Big",
        model_name="m",
        base_model="b",
        context="c",
    )
    for target, keys in ((assessment, ["INQ-01", "INQ-02"]), (big, ["X-001", "X-002"])):
        answer(target, alice, keys[0], "yes")
        answer(target, bob, keys[1], "no")
    client.force_login(alice)
    _page_queries(client, django_assert_num_queries, page(assessment))
    _page_queries(client, django_assert_num_queries, page(big, "misuse"))
