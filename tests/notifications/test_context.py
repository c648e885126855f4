"""The navigation's unread count: a badge with words for screen readers, counted lazily."""

from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse

from riskassess.notifications.context import unread


def nav(client) -> str:
    html = client.get(reverse("assessment_list")).content.decode()
    return html[html.index("<nav") : html.index("</nav>")]


def test_the_nav_links_to_my_work_with_the_unread_count(tell, bob, client_for):
    tell([bob])
    tell([bob])
    html = nav(client_for(bob))
    assert f'href="{reverse("my_work")}"' in html
    assert 'aria-hidden="true" data-testid="unread-badge">2</span>' in html
    assert 'aria-label="My work, 2 unread"' in html


def test_no_badge_when_all_is_read(tell, bob, client_for):
    (notification,) = tell([bob])
    client = client_for(bob)
    client.post(reverse("notification_open", args=[notification.pk]))
    html = nav(client)
    assert "My work" in html and "unread" not in html


def test_the_count_is_only_the_users_own(tell, bob, alice, client_for):
    tell([bob])
    assert "unread" not in nav(client_for(alice))


def test_a_page_that_does_not_show_it_runs_no_query(bob, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = bob
    with django_assert_num_queries(0):
        context = unread(request)
        Template("no badge here").render(RequestContext(request, context))
    with django_assert_num_queries(1):
        assert Template("{{ unread_count }}").render(RequestContext(request, context)) == "0"


def test_anonymous_users_count_nothing(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert not unread(request)["unread_count"]
