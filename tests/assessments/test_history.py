from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.models import Answer


def save(assessment, user, key, option, version, comment=""):
    return services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=version,
        user=user,
    )


def test_it_records_who_changed_an_answer_with_before_and_after(client, assessment, alice, bob):
    save(assessment, alice, "INQ-01", "no", 0)
    save(assessment, bob, "INQ-01", "partly", 1, comment="Fixed for English")
    client.force_login(alice)
    response = client.get(reverse("assessment_history", args=[assessment.pk]))
    change = response.context["answer_changes"][0]
    assert (change["user"], change["before_answer"], change["after_answer"]) == (
        "bob",
        "No",
        "Partly",
    )
    assert change["after_comment"] == "Fixed for English"
    assert Answer.history.filter(item__key="INQ-01").count() == 2


def test_it_shows_submission_and_reopening(client, assessment, alice):
    for item in assessment.checklist.items.all():
        save(assessment, alice, item.key, "yes", 0)
    services.submit(assessment=assessment, user=alice)
    services.reopen(assessment=assessment, user=alice, note="Legal asked for changes")
    client.force_login(alice)
    body = client.get(reverse("assessment_history", args=[assessment.pk])).content.decode()
    assert "Submitted" in body and "Reopened" in body and "Legal asked for changes" in body


def test_it_records_details_changes(client, assessment, alice):
    services.update_details(assessment=assessment, user=alice, title="Support bot v2")
    client.force_login(alice)
    changes = client.get(reverse("assessment_history", args=[assessment.pk])).context[
        "detail_changes"
    ]
    assert changes[0]["fields"][0]["before"] == "Support bot"
    assert changes[0]["fields"][0]["after"] == "Support bot v2"


def test_a_viewer_may_read_it_and_an_outsider_gets_404(client, assessment, vera, charlie):
    url = reverse("assessment_history", args=[assessment.pk])
    client.force_login(vera)
    assert client.get(url).status_code == 200
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_its_queries_do_not_grow_with_changes(client, assessment, alice, django_assert_num_queries):
    client.force_login(alice)
    url = reverse("assessment_history", args=[assessment.pk])
    keys = list(assessment.checklist.items.values_list("key", flat=True))
    for key in keys[:3]:
        save(assessment, alice, key, "no", 0)
        save(assessment, alice, key, "yes", 1)
    # session, user, assessment, count, changes page, earlier versions, details history,
    # events, revisions, the nav's unread count (notifications/context.py)
    with django_assert_num_queries(10):
        client.get(url)
    for key in keys[3:40]:
        save(assessment, alice, key, "no", 0)
        save(assessment, alice, key, "yes", 1)
    with django_assert_num_queries(10):
        client.get(url)
