"""Browser fixtures: the World of pages.py, and a way to open a page as one of its users.

`browser` (Debian's chromium through Playwright) is in tests/conftest.py.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser.pages import World, make_world

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def world(checklist) -> World:
    return make_world(checklist)


def session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": "sessionid",
        "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, user=None, viewport=DESKTOP) -> a Playwright page, loaded.

    page.response is the page's HTTP response; page.problems collects console errors
    (Chromium reports every CSP violation there) and uncaught script errors.
    """
    contexts = []

    def open_(path: str, user=None, viewport=DESKTOP, **context_options):
        context = browser.new_context(viewport=viewport, **context_options)
        contexts.append(context)
        if user is not None:
            context.add_cookies([session_cookie(user, live_server)])
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.response = page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
