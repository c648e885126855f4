from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from riskassess.checklist.models import Checklist, Item
from riskassess.checklist.spec import parse

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_checklist_loads_both_shipped_versions_when_no_path_is_given():
    output = run("load_checklist")
    assert "Foundation model deployment risks (v1)" in output
    assert "Foundation model deployment risks (v2)" in output
    versions = Checklist.objects.filter(slug="foundation-model-risks").order_by("version")
    assert [(c.version, c.format, c.status) for c in versions] == [
        (1, 1, "published"),
        (2, 2, "published"),
    ]
    # New assessments start on version 2; version 1 stays for those made with it.
    assert Checklist.objects.current().get().version == 2


def test_load_checklist_twice_reports_everything_unchanged():
    run("load_checklist")
    assert "created" not in run("load_checklist")


def test_if_missing_keeps_an_administrators_edits():
    run("load_checklist")
    Item.objects.filter(key="INQ-01", checklist__version=1).update(question="Edited by an admin?")
    output = run("load_checklist", "--if-missing")
    assert "Foundation model deployment risks (v1) is already loaded" in output
    assert "Foundation model deployment risks (v2) is already loaded" in output
    assert Item.objects.get(key="INQ-01", checklist__version=1).question == "Edited by an admin?"


def test_load_checklist_refuses_a_bad_file_with_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("slug: x\nname: X\nscale: []\ncategories: []\n")
    with pytest.raises(CommandError) as caught:
        call_command("load_checklist", str(path))
    assert "scale: must be a non-empty list of options" in str(caught.value)
    assert "categories: must be a non-empty list" in str(caught.value)


def test_load_checklist_says_when_the_file_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_checklist", str(tmp_path / "missing.yaml"))


def test_export_checklist_prints_four_categories_of_at_least_twelve_items():
    run("load_checklist")
    spec = parse(run("export_checklist", "foundation-model-risks", "--version", "1"))
    assert [c.key for c in spec.categories][:4] == ["inequity", "misuse", "environment", "legal"]
    assert all(len(c.items) >= 12 for c in spec.categories)
    assert all(item.reference for c in spec.categories for item in c.items)


def test_export_checklist_writes_a_chosen_version_to_a_file(tmp_path):
    run("load_checklist")
    target = tmp_path / "out.yaml"
    run("export_checklist", "foundation-model-risks", "--version", "1", "-o", str(target))
    assert parse(target.read_bytes()).version == 1


def test_export_checklist_names_what_is_available_for_an_unknown_slug():
    run("load_checklist")
    with pytest.raises(
        CommandError,
        match="no checklist nope v3; available: foundation-model-risks v2, "
        "foundation-model-risks v1",
    ):
        call_command("export_checklist", "nope", "--version", "3")
