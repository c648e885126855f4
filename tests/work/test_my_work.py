"""My work: what is assigned to me, reviews waiting for me, threads that mention me, and my
notifications, across all my teams, each section a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import workflow
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify
from riskassess.work import services
from tests.conftest import answer_all, new_assessment

ITEM = "INQ-01"


def my_work(client, **params) -> str:
    response = client.get(reverse("my_work"), params)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    return html[start : html.index("</section>", start)]


def in_review(assessment, owner):
    assessment.team.review_required = True
    assessment.team.save()
    answer_all(assessment, owner)
    return workflow.transition(assessment, "submit_for_review", user=owner, attested=True)


def test_my_assignments_are_listed_overdue_first_with_links(client_for, give, assessment, bob):
    later = give(bob, answer_by=date.today() + timedelta(days=9))
    undated = give(bob, item_key="INQ-02")
    overdue = give(bob, category_key="misuse")
    overdue.answer_by = date.today() - timedelta(days=1)
    overdue.save()
    html = section(my_work(client_for(bob)), "assigned")
    links = [
        reverse("questionnaire", args=[assessment.pk, "misuse"]),
        reverse("questionnaire", args=[assessment.pk, "inequity"]) + f"#item-{ITEM}",
        reverse("questionnaire", args=[assessment.pk, "inequity"]) + "#item-INQ-02",
    ]
    positions = [html.index(f'href="{link}"') for link in links]
    assert positions == sorted(positions)
    assert "Overdue" in html and "Support bot" in html and "assigned by alice" in html
    assert later.pk and undated.pk


def test_i_see_only_my_own_open_work(client_for, give, alice, bob):
    give(alice)
    done = give(bob, item_key="INQ-02")
    done.done_at = done.created_at
    done.save()
    assert "Nothing is assigned to you." in my_work(client_for(bob))


def test_work_on_an_assessment_no_longer_a_draft_waits(client_for, give, assessment, alice, bob):
    give(bob)
    answer_all(assessment, alice)
    workflow.transition(assessment, "submit", user=alice, attested=True)
    assert "Nothing is assigned to you." in my_work(client_for(bob))


def test_work_in_a_team_i_left_is_not_shown(client_for, give, bob):
    give(bob)
    Membership.objects.filter(user=bob).delete()
    html = section(my_work(client_for(bob)), "assigned")
    assert "Nothing is assigned to you." in html and "Support bot" not in html


def test_reviews_wait_for_the_teams_reviewer_oldest_first(
    client_for, rita, alice, bob, team, checklist, assessment
):
    first = in_review(assessment, alice)
    second = in_review(new_assessment(alice, team, checklist, title="Second bot"), alice)
    new_assessment(alice, team, checklist, title="Still a draft")
    html = section(my_work(client_for(rita)), "reviews")
    first_at = html.index(reverse("results", args=[first.pk]))
    assert first_at < html.index(reverse("results", args=[second.pk]))
    assert "Still a draft" not in html
    # The owner and the editor outrank the reviewer, but deciding reviews is the reviewer's.
    for user in (alice, bob):
        assert "No assessment is waiting for your review." in my_work(client_for(user))


def test_reviews_of_another_team_are_never_listed(client_for, alice, assessment, charlie):
    in_review(assessment, alice)
    Membership.objects.filter(user=charlie).update(role=Role.REVIEWER)
    assert "Support bot" not in my_work(client_for(charlie))


def test_the_mentions_section_lists_open_threads_mentioning_me(client_for, assessment, alice, bob):
    from riskassess.discussion import services as discussion

    thread = discussion.open_thread(
        assessment=assessment, item_key=ITEM, body="@bob can you check the eval set?", user=alice
    )
    html = section(my_work(client_for(bob)), "mentions")
    assert f'href="{thread.url}"' in html and "@bob can you check the eval set?" in html
    discussion.resolve(thread=thread, user=alice)
    assert "can you check" not in section(my_work(client_for(bob)), "mentions")


def tell(users, assessment, actor, n=1):
    for _ in range(n):
        notify(users, kind=Kind.ASSIGNED, assessment=assessment, actor=actor, url="/my-work/")


def test_notifications_are_newest_first_unread_emphasised(client_for, assessment, alice, bob):
    tell([bob], assessment, alice)
    notify([bob], kind=Kind.APPROVED, assessment=assessment, actor=alice, url="/", title="Newer")
    bob.notifications.filter(title="Support bot").update(read_at=assessment.created_at)
    html = section(my_work(client_for(bob)), "notifications")
    assert html.index("alice approved “Newer”") < html.index("alice assigned you a question")
    assert html.count("Unread: ") == 1 and html.count('data-unread="1"') == 1
    assert reverse("notifications_read_all") in html


def test_notifications_come_25_to_a_page(client_for, assessment, alice, bob):
    tell([bob], assessment, alice, n=30)
    first = section(my_work(client_for(bob)), "notifications")
    second = section(my_work(client_for(bob), page=2), "notifications")
    assert first.count('<li class="list-group-item"') == 25
    assert second.count('<li class="list-group-item"') == 5
    assert "1\N{EN DASH}25 of 30" in first and "26\N{EN DASH}30 of 30" in second


def test_the_page_links_to_the_notification_settings(client_for, bob):
    assert reverse("notification_settings") in my_work(client_for(bob))


@pytest.fixture
def world(alice, bob, rita, team, other_team, checklist, assessment):
    """add(n): n more of everything My work lists for bob and rita, in two teams."""
    Membership.objects.create(team=other_team, user=bob, role=Role.EDITOR)
    Membership.objects.create(team=other_team, user=rita, role=Role.REVIEWER)

    def add(n):
        for i in range(n):
            for t in (team, other_team):
                Membership.objects.get_or_create(team=t, user=alice, defaults={"role": Role.OWNER})
                a = new_assessment(alice, t, checklist, title=f"Bot {t.name} {i}")
                for key in ("INQ-01", "INQ-02"):
                    services.assign(assessment=a, assignee=bob, user=alice, item_key=key,
                                    answer_by=date.today() + timedelta(days=i))  # fmt: skip
                in_review(new_assessment(alice, t, checklist, title=f"Review {t.name} {i}"), alice)
                tell([bob, rita], a, alice, n=3)

    return add


def test_each_section_is_a_fixed_number_of_queries(
    client_for, world, bob, rita, django_assert_num_queries
):
    # session, user, the nav's unread count; assigned to me; my actions (riskassess/
    # actions); reviews waiting; open threads mentioning me; the notifications' count
    # and their page.
    total = 0
    for n in (1, 4):
        world(n)
        total += n
        for user in (bob, rita):
            client = client_for(user)
            with django_assert_num_queries(9):
                html = my_work(client)
            assert section(html, "assigned").count("Bot ") == (4 * total if user == bob else 0)
            assert section(html, "reviews").count("Review ") == (2 * total if user == rita else 0)
