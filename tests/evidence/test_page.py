"""Evidence on the questionnaire's items: shown, added and removed without JavaScript,
read in a constant number of queries."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.assessments import workflow
from riskassess.checklist.models import Item
from riskassess.evidence import services
from tests.conftest import answer_all
from tests.evidence import samples
from tests.evidence.conftest import ITEM, client_for


def link(assessment, user, item_key=ITEM, **extra):
    values = {
        "url": "https://example.org/card",
        "title": "Model card",
        "as_of": None,
        "expires_on": None,
        **extra,
    }
    return services.add_link(assessment=assessment, item_key=item_key, user=user, **values)


def category_page(client, assessment, category_key):
    return client.get(reverse("questionnaire", args=[assessment.pk, category_key]))


def test_the_item_shows_its_evidence_and_a_form_to_add_more(bob, assessment, category_key):
    piece = services.add_file(
        assessment=assessment,
        item_key=ITEM,
        upload=samples.upload("a.pdf", samples.PDF),
        as_of=date(2026, 1, 2),
        expires_on=None,
        user=bob,
    )
    html = category_page(client_for(bob), assessment, category_key).content.decode()
    assert reverse("evidence_download", args=[assessment.pk, piece.pk]) in html
    assert reverse("evidence_remove", args=[assessment.pk, piece.pk]) in html
    assert "as of 2 Jan 2026" in html and "added by bob" in html
    # Its own <form>, outside the answers form: posted without JavaScript, never by Save.
    add = reverse("evidence_add", args=[assessment.pk, ITEM])
    assert (
        f'<form id="ev-add-{ITEM}" method="post" enctype="multipart/form-data" action="{add}"'
        in html
    )
    assert html.index(f'id="ev-add-{ITEM}"') > html.index("</form>")
    assert (
        f'name="ev-add-{ITEM}-file" class="form-control form-control-sm" form="ev-add-{ITEM}"'
        in html
    )


def test_a_link_is_a_link_that_leaks_nothing(bob, assessment, category_key):
    link(assessment, bob)
    html = category_page(client_for(bob), assessment, category_key).content.decode()
    assert (
        '<a class="break-anywhere" href="https://example.org/card" '
        'rel="noopener noreferrer nofollow">Model card</a>' in html
    )


def test_expired_evidence_is_flagged(bob, assessment, category_key):
    yesterday = date.today() - timedelta(days=1)
    link(assessment, bob, as_of=yesterday - timedelta(days=30), expires_on=yesterday)
    html = category_page(client_for(bob), assessment, category_key).content.decode()
    assert "Expired" in html


def test_a_viewer_sees_evidence_without_add_or_remove(vera, bob, assessment, category_key):
    link(assessment, bob)
    html = category_page(client_for(vera), assessment, category_key).content.decode()
    assert "Model card" in html
    assert "Add evidence" not in html and "Remove" not in html and "ev-add-" not in html


def test_the_category_page_reads_evidence_in_constant_queries(bob, assessment, category_key):
    client = client_for(bob)
    keys = list(
        Item.objects.filter(checklist=assessment.checklist, category__key=category_key).values_list(
            "key", flat=True
        )
    )
    counts = []
    for size in (1, 4):
        for key in keys[:size]:
            for _ in range(size):
                link(assessment, bob, item_key=key)
        with CaptureQueriesContext(connection) as queries:
            assert category_page(client, assessment, category_key).status_code == 200
        counts.append(len(queries))
        assert sum('"evidence_evidence"' in q["sql"] for q in queries.captured_queries) == 1
    # Evidence adds one query (all of it, with what is frozen), whatever
    # the number of items and pieces.
    assert counts[0] == counts[1]


def test_a_refused_upload_shows_the_item_page_with_the_message(bob, assessment):
    response = client_for(bob).post(
        reverse("evidence_add", args=[assessment.pk, ITEM]),
        {f"ev-add-{ITEM}-file": samples.upload("x.html", b"<html>")},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Files ending in .html are not accepted" in html
    assert f'<form id="ev-add-{ITEM}"' in html and "Back to the questionnaire" in html


def test_evidence_of_a_submitted_revision_has_no_remove_button(
    alice, bob, assessment, category_key
):
    link(assessment, bob)
    answer_all(assessment, alice)
    workflow.transition(assessment, "submit", user=alice, attested=True)
    workflow.transition(assessment, "reopen", user=alice)
    link(assessment, bob, title="Newer card")
    html = category_page(client_for(bob), assessment, category_key).content.decode()
    assert "Model card" in html and html.count(">Remove</button>") == 1
