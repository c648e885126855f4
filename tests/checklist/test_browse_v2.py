"""The Checklists page of a format-2 version: the profile, the matrix, conditions in words."""

from riskassess.checklist.models import Item


def page(client, user, version=2) -> str:
    client.force_login(user)
    response = client.get(f"/checklists/foundation-model-risks/v{version}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_profile_with_impact_points_and_the_matrix(client, alice, v2_checklist):
    text = page(client, alice)
    assert "asked first: 19 questions" in text
    assert "Who can use the system?" in text
    assert "The public, possibly including minors — 3 points" in text
    # The very-high row of the matrix, and its threshold (the file sets the tiers).
    assert "Very high (≥ 18)</th><td>high</td><td>critical</td>" in text


def test_each_condition_and_tag_is_in_words(client, alice, v2_checklist):
    item = Item.objects.filter(checklist=v2_checklist).exclude(critical_if=None).first()
    key, options = next(iter(item.critical_if.items()))
    question = v2_checklist.profile.get(key=key)
    label = question.options.get(key=options[0]).label
    text = page(client, alice)
    critical = '<strong>Critical when</strong> <span class="break-anywhere">'
    assert f"{critical}the answer to “{question.question}”" in text
    assert f"“{label}”" in text
    assert "Asked only when" in text
    assert "NIST AI Risk Management Framework: " in text


def test_version_1_has_none_of_it(client, alice, checklist):
    text = page(client, alice, version=1)
    assert "Asked only when" not in text and "asked first" not in text


def test_format_2_adds_a_fixed_number_of_queries(
    client, alice, v2_checklist, django_assert_num_queries
):
    page(client, alice)  # logs in
    # The format-1 page's 7 (test_browse.py), and the profile, its options,
    # the frameworks and their requirements, whatever their number.
    with django_assert_num_queries(11):
        assert client.get("/checklists/foundation-model-risks/v2/").status_code == 200
