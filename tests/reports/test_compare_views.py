"""The comparison of two reports of one deployment (issue 13): the page, its JSON, the
PDF section "Changes since revision N" and the link from a revision's page.

alice answers every item "yes" and submits (revision 1), then reopens, answers INQ-01
and the critical INQ-07 "no" and submits again (revision 2): a known change for the
worse (docs/comparison.md; the engine itself is tested in test_comparison.py).
"""

import io
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from riskassess.assessments import reassess, services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data
from riskassess.reports import pdf, pdf_compare
from riskassess.reports.build import build_report
from riskassess.reports.comparison import compare
from tests.conftest import answer_all, new_assessment, set_profile


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def save(assessment, user, key: str, option: str, comment: str = "") -> None:
    current = assessment.answers.filter(item__key=key).values_list("version", flat=True).first()
    services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=current or 0,
        user=user,
    )


def resubmit(assessment, user, **answers) -> None:
    """Reopen, answer (INQ_01="no"), submit: the next revision."""
    services.reopen(assessment=assessment, user=user)
    for key, option in answers.items():
        save(assessment, user, key.replace("_", "-"), option)
    services.submit(assessment=assessment, user=user)


@pytest.fixture
def two_revisions(assessment, alice):
    answer_all(assessment, alice, "yes")
    services.submit(assessment=assessment, user=alice)
    resubmit(assessment, alice, INQ_01="no", INQ_07="no")
    return assessment


def ref(revision) -> str:
    return f"r-{revision.pk}"


def revisions(assessment):
    return list(assessment.revisions.order_by("number"))


def page_url(deployment, **query) -> str:
    return f"/d/{deployment.pk}/compare/" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


def json_url(deployment, **query) -> str:
    return page_url(deployment, **query).replace("/compare/", "/compare.json")


# Access ------------------------------------------------------------------------------------------


def test_it_lets_a_viewer_see_the_page_and_the_json(client, two_revisions, vera):
    client.force_login(vera)
    deployment = two_revisions.deployment
    assert client.get(page_url(deployment)).status_code == 200
    response = client.get(json_url(deployment))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_is_not_found_for_an_outsider(client, two_revisions, charlie):
    client.force_login(charlie)
    first, second = revisions(two_revisions)
    query = {"before": ref(first), "after": ref(second)}
    assert client.get(page_url(two_revisions.deployment, **query)).status_code == 404
    assert client.get(json_url(two_revisions.deployment, **query)).status_code == 404


def test_it_sends_an_anonymous_visitor_to_log_in(client, two_revisions):
    response = client.get(page_url(two_revisions.deployment))
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("which", ["other deployment", "other team", "malformed", "unknown"])
def test_a_ref_not_of_this_deployment_is_not_found(
    client, two_revisions, alice, team, charlie, other_team, checklist, which
):
    # A revision of another deployment of alice's own team, and one of charlie's team.
    mine = new_assessment(alice, team, checklist, title="Another bot")
    theirs = new_assessment(charlie, other_team, checklist, title="Charlie's bot")
    for assessment, user in ((mine, alice), (theirs, charlie)):
        answer_all(assessment, user)
        services.submit(assessment=assessment, user=user)
    foreign = {
        "other deployment": ref(mine.revisions.get()),
        "other team": ref(theirs.revisions.get()),
        "malformed": "r-not-a-uuid",
        "unknown": "a-00000000-0000-4000-8000-000000000000",
    }[which]
    client.force_login(alice)
    first, _ = revisions(two_revisions)
    deployment = two_revisions.deployment
    for url in (page_url, json_url):
        assert client.get(url(deployment, before=ref(first), after=foreign)).status_code == 404
        assert client.get(url(deployment, before=foreign)).status_code == 404


# What is compared --------------------------------------------------------------------------------


def test_it_compares_the_latest_two_revisions_by_default(client, two_revisions, vera):
    client.force_login(vera)
    first, second = revisions(two_revisions)
    response = client.get(page_url(two_revisions.deployment))
    form = response.context["form"]
    assert (form.cleaned_data["before"], form.cleaned_data["after"]) == (ref(first), ref(second))
    # Both listed in the form, newest first, as "“title” revision N, date, level".
    labels = [label for _, label in form.fields["before"].choices]
    assert labels[0].startswith("“Support bot” revision 2, ") and labels[0].endswith(", high")
    assert labels[1].startswith("“Support bot” revision 1, ") and labels[1].endswith(", low")


def test_a_draft_changed_since_the_latest_revision_is_compared_with_it(
    client, two_revisions, alice
):
    _, second = revisions(two_revisions)
    services.reopen(assessment=two_revisions, user=alice)
    save(two_revisions, alice, "INQ-01", "yes")
    client.force_login(alice)
    response = client.get(page_url(two_revisions.deployment))
    form = response.context["form"]
    assert form.cleaned_data["before"] == ref(second)
    assert form.cleaned_data["after"] == f"a-{two_revisions.pk}"
    assert response.context["reading"]["key"] == "better"  # INQ-01 back to "yes"
    assert (
        "“Support bot” draft, last change "
        in dict(form.fields["after"].choices)[f"a-{two_revisions.pk}"]
    )


def test_with_fewer_than_two_reports_it_says_so(client, assessment, alice):
    client.force_login(alice)
    response = client.get(page_url(assessment.deployment))
    assert response.status_code == 200
    assert "Nothing to compare yet" in response.content.decode()
    assert "form" not in response.content.decode().split("<main", 1)[1].split("</main>")[0]
    assert client.get(json_url(assessment.deployment)).status_code == 404


def test_the_page_reads_worse_for_a_critical_item_answered_no(client, two_revisions, vera):
    client.force_login(vera)
    response = client.get(page_url(two_revisions.deployment))
    page = response.content.decode()
    reading = page.split('data-testid="reading-word"', 1)[1].split("</p>", 1)[0]
    assert "Worse" in reading  # in words, not colour alone
    assert "The risk is higher" in page
    # The overall table: low to high, in words and with its arrow.
    overall = page.split('data-testid="overall"', 1)[1].split("</table>", 1)[0]
    assert "Overall level</th><td>Low</td><td>High</td>" in overall
    assert "↑</span> worse" in overall
    # The two items, grouped as answer changes, each from Yes to No with its risk.
    group = page.split('data-testid="group-answer_changed"', 1)[1].split("</section>", 1)[0]
    assert group.count('class="list-group-item compare-item"') == 2
    assert "INQ-01" in group and "INQ-07" in group
    assert '<span class="compare-from">Yes</span>' in group
    assert '<span class="compare-to">No</span>' in group
    assert "risk 0.0 → 1.0" in group
    counts = page.split('data-testid="counts"', 1)[1].split("</ul>", 1)[0]
    assert "Answer changed</a>: <strong>2</strong>" in counts


def test_the_json_is_the_comparison_of_the_two_reports(client, two_revisions, vera):
    client.force_login(vera)
    first, second = revisions(two_revisions)
    response = client.get(json_url(two_revisions.deployment))
    assert response["Content-Type"] == "application/json"
    day1, day2 = (r.submitted_at.date().isoformat() for r in (first, second))
    assert response["Content-Disposition"] == (
        f'attachment; filename="support-bot-comparison-r1-{day1}-to-r2-{day2}.json"'
    )
    expected = compare(
        first.report,
        second.report,
        before_label="“Support bot” revision 1",
        after_label="“Support bot” revision 2",
    )
    assert json.loads(response.content) == expected
    assert expected["schema"] == "riskassess.comparison/1"
    assert expected["overall"]["reading"] == "worse"


def test_a_re_assessment_on_version_2_is_compared_item_by_item(
    client, two_revisions, alice, v2_checklist
):
    draft = reassess.start(two_revisions.deployment, user=alice)
    client.force_login(alice)
    page = client.get(page_url(two_revisions.deployment)).content.decode()
    # The new version's items, the reworded ones with their old wording one click away.
    assert 'data-testid="group-added"' in page
    assert 'data-testid="group-removed"' in page
    assert '<span class="badge badge-flag">reworded</span>' in page
    assert "<summary>Earlier wording</summary>" in page
    assert "The checklist changed (version 1 → 2)" in page
    # Profile and coverage are compared between two format-2 reports only.
    assert 'data-testid="profile-changes"' not in page
    assert draft.checklist == v2_checklist


def test_two_version_2_revisions_show_profile_and_coverage_changes(client, v2_assessment, alice):
    questions = assessment_data(v2_assessment)["profile"]
    set_profile(v2_assessment, alice, **{q["key"]: q["options"][0]["key"] for q in questions})
    answer_all(v2_assessment, alice, "yes")
    services.submit(assessment=v2_assessment, user=alice)
    services.reopen(assessment=v2_assessment, user=alice)
    set_profile(v2_assessment, alice, **{"P-DECISIONS": "automated"})
    save(v2_assessment, alice, "INQ-01", "no")
    services.submit(assessment=v2_assessment, user=alice)
    client.force_login(alice)
    page = client.get(page_url(v2_assessment.deployment)).content.decode()
    profile = page.split('data-testid="profile-changes"', 1)[1].split("</section>", 1)[0]
    assert "P-DECISIONS" in profile
    assert 'data-testid="coverage-changes"' in page
    assert "Impact tier" in page


# The PDF -----------------------------------------------------------------------------------------


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_revision_2s_pdf_has_changes_since_revision_1_and_revision_1s_has_none(
    client, two_revisions, vera
):
    client.force_login(vera)
    pk = two_revisions.pk
    second = pdf_text(client.get(f"/a/{pk}/r/2/report.pdf").content)
    assert "Changes since revision 1" in second
    assert "Worse." in second and "INQ-07" in second and "Yes → No" in second
    first = pdf_text(client.get(f"/a/{pk}/r/1/report.pdf").content)
    assert "Changes since" not in first


def test_a_draft_pdf_has_no_changes_section(two_revisions, alice):
    services.reopen(assessment=two_revisions, user=alice)
    report = build_report(get_assessment_for_user(alice, two_revisions.pk))
    assert pdf_compare.of_report(report) is None
    assert "Changes since" not in pdf.render_report_html(report)


def test_the_pdf_cache_key_names_the_predecessor(two_revisions, alice):
    first, second = revisions(two_revisions)
    assessment = get_assessment_for_user(alice, two_revisions.pk)
    key2 = pdf.cache_key(build_report(assessment, revision=second))
    key1 = pdf.cache_key(build_report(assessment, revision=first))
    assert key2.endswith(f":since-{first.fingerprint[:32]}")
    assert ":since-" not in key1


def test_a_re_assessments_first_revision_is_compared_with_the_deployments_previous_one(
    two_revisions, alice
):
    _, second = revisions(two_revisions)
    draft = reassess.start(two_revisions.deployment, user=alice)
    save(draft, alice, "INQ-07", "yes")
    services.submit(assessment=draft, user=alice)
    report = build_report(get_assessment_for_user(alice, draft.pk))
    found = pdf_compare.of_report(report)
    assert found.previous.pk == second.pk and not found.same_assessment
    changes = pdf_compare.section(report, found)
    assert changes["title"] == "Changes since revision 2 of the previous assessment"
    assert changes["reading"]["key"] == "better"
    assert [(i["key"], i["change"]) for i in changes["items"]] == [("INQ-07", "No → Yes")]


def test_the_pdfs_list_of_items_is_capped(two_revisions, alice, monkeypatch):
    monkeypatch.setattr(pdf_compare, "PDF_ITEMS", 1)
    _, second = revisions(two_revisions)
    report = build_report(get_assessment_for_user(alice, two_revisions.pk), revision=second)
    changes = pdf_compare.section(report, pdf_compare.of_report(report))
    assert [i["key"] for i in changes["items"]] == ["INQ-01"] and changes["more"] == 1
    assert "… 1 more item: see the comparison page" in pdf.render_report_html(report, changes)


def test_user_text_is_printed_as_text_on_the_page_and_in_the_pdf(client, alice, team, checklist):
    hostile = "<img src=file:///etc/passwd> <script>alert(1)</script>"
    assessment = new_assessment(alice, team, checklist, title=hostile)
    answer_all(assessment, alice, "yes")
    services.submit(assessment=assessment, user=alice)
    draft = reassess.start(assessment.deployment, user=alice)
    services.submit(assessment=draft, user=alice)
    client.force_login(alice)
    page = client.get(page_url(assessment.deployment)).content.decode()
    assert "<script>alert(1)" not in page and "<img src=file" not in page
    assert (
        "“&lt;img src=file:///etc/passwd&gt; &lt;script&gt;alert(1)&lt;/script&gt;” revision 1"
        in page
    )
    report = build_report(get_assessment_for_user(alice, draft.pk))
    html = pdf.render_report_html(
        report, pdf_compare.section(report, pdf_compare.of_report(report))
    )
    lead = html.split('<section class="changes" id="changes">', 1)[1].split("</p>", 1)[0]
    assert "compared with revision 1 of “&lt;img src=file:///etc/passwd&gt;" in lead
    assert "<img" not in html and "<script" not in html


# Entry point: a revision's page ----------------------------------------------------------------


def test_a_revision_page_links_to_the_comparison_with_its_predecessor(client, two_revisions, vera):
    client.force_login(vera)
    first, second = revisions(two_revisions)
    page = client.get(f"/a/{two_revisions.pk}/r/2/").content.decode()
    link = page_url(two_revisions.deployment, before=ref(first), after=ref(second))
    assert f'href="{link.replace("&", "&amp;")}"' in page
    assert "Compare with revision 1" in page
    assert "Compare with revision" not in client.get(f"/a/{two_revisions.pk}/r/1/").content.decode()


# Queries ---------------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_and_the_json_take_as_many_queries_whatever_the_size(
    client, alice, team, checklist
):
    """Two revisions and a draft, then five revisions of two assessments and two drafts with
    more changes: the same number of queries for a page and a JSON of the latest two."""
    counts = []
    for size in (1, 4):
        assessment = new_assessment(alice, team, checklist, title=f"Bot {size}")
        answer_all(assessment, alice, "yes")
        services.submit(assessment=assessment, user=alice)
        changed = ["INQ-01", "INQ-02", "MIS-01", "ENV-01", "LEG-01", "LEG-02"]
        for number in range(size):
            resubmit(assessment, alice, **dict.fromkeys(changed[: number + 2], "no"))
        if size > 1:
            reassess.start(assessment.deployment, user=alice)  # a second assessment's draft
        services.reopen(assessment=assessment, user=alice)
        save(assessment, alice, "INQ-03", "partly")
        client.force_login(alice)
        deployment = assessment.deployment
        last, latest = revisions(assessment)[-2:]
        between = {"before": ref(last), "after": ref(latest)}
        with_draft = {"before": ref(latest), "after": f"a-{assessment.pk}"}
        counts.append(
            [
                queries(client, page_url(deployment, **between)),
                queries(client, json_url(deployment, **between)),
                queries(client, page_url(deployment, **with_draft)),
            ]
        )
    assert counts[0] == counts[1]
