"""A URL's parameters are checked by shape before any query (issue 10).

A NUL byte in the autosave URL's item key reached a query, and PostgreSQL
answered with an error: a 500. Path parameters now go through converters
that accept only what a key, a UUID or a number can be.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import PathConverter, StringConverter

from tests.security.support import logged_in, stored

# A NUL never reaches a converter: riskassess.middleware refuses it first (400).
HOSTILE_KEYS = ["INQ%2500", "x" * 300, "é", "-INQ-01", "INQ 01", "INQ-01;", "..", "INQ'01"]
NUL_KEYS = ["INQ-01\x00", "\x00", "INQ%00"]


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern


def test_no_url_of_ours_takes_a_free_text_parameter():
    loose = [
        route
        for route, pattern in _patterns(get_resolver())
        if not route.startswith("admin/")
        for converter in getattr(pattern, "converters", {}).values()
        if type(converter) in (StringConverter, PathConverter)
    ]
    assert loose == []


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_autosave_to_a_malformed_item_key_is_not_found(bob, assessment, key):
    before = stored(assessment)
    response = logged_in(bob).post(
        f"/a/{assessment.pk}/answers/{key}/",
        '{"option": "no", "comment": "", "version": 1}',
        content_type="application/json",
    )
    assert response.status_code == 404
    assert stored(assessment) == before


@pytest.mark.parametrize("key", NUL_KEYS)
def test_autosave_to_an_item_key_with_a_nul_is_a_bad_request(bob, assessment, key):
    before = stored(assessment)
    response = logged_in(bob).post(
        f"/a/{assessment.pk}/answers/{key}/",
        '{"option": "no", "comment": "", "version": 1}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert stored(assessment) == before


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_malformed_category_key_is_not_found(bob, assessment, key):
    client = logged_in(bob)
    assert client.get(f"/a/{assessment.pk}/q/{key}/").status_code == 404
    response = client.post(f"/a/{assessment.pk}/q/{key}/", {"INQ-01-option": "no"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/checklists/\x00/v1/", "/a/\x00/", "/teams/\x00/", "/\x00"])
def test_any_path_with_a_nul_is_a_bad_request(alice, url):
    assert logged_in(alice).get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/?page=%00",
        "/?team=%00",
        "/?status=%00",
        "/?x%00=1",
        "/login/?next=%00",
        "/a/{assessment}/history/?page=%00",
        "/admin/checklist/checklist/?status__exact=%00",
        "/admin/checklist/item/?q=%00",
        "/admin/assessments/assessment/?q=%00",
    ],
)
def test_a_nul_in_a_query_string_is_a_bad_request(staff, assessment, url):
    # staff: the admin's list filters passed a NUL straight to a query (a 500 on PostgreSQL).
    response = logged_in(staff).get(url.format(assessment=assessment.pk))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_an_encoded_percent_sign_is_not_taken_for_a_nul(alice, assessment):
    # "%2500" is the text "%00": a search for it is allowed.
    assert logged_in(alice).get("/?page=%2500").status_code == 200
