"""Read the catalogue as whole trees, in a fixed number of queries."""

import threading
from collections import OrderedDict
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from riskassess.checklist.models import (
    Category,
    Checklist,
    Framework,
    Item,
    Option,
    ProfileQuestion,
    Status,
)


def visible_checklists(user) -> QuerySet[Checklist]:
    """Published and retired versions for everyone; staff also see drafts.

    A retired version stays visible: assessments made with it still refer to it.
    Each row has `.is_current`, `.category_count` and `.item_count`.
    """
    checklists = Checklist.objects.all()
    if not user.is_staff:
        checklists = checklists.exclude(status=Status.DRAFT)
    return checklists.with_current_flag().annotate(
        category_count=Count("categories", filter=Q(categories__active=True), distinct=True),
        item_count=Count("items", filter=Q(items__active=True), distinct=True),
    )


def checklist_versions(user) -> list[dict]:
    """Each visible checklist slug with its versions, newest first, in one query.

    A slug is named after its current version, or its newest when none is current.
    """
    by_slug: dict[str, list[Checklist]] = {}
    for checklist in visible_checklists(user).order_by("slug", "-version"):
        by_slug.setdefault(checklist.slug, []).append(checklist)
    groups = []
    for slug, versions in by_slug.items():
        named = next((c for c in versions if c.is_current), versions[0])
        groups.append({"slug": slug, "name": named.name, "versions": versions})
    return sorted(groups, key=lambda group: (group["name"].casefold(), group["slug"]))


def checklist_trees(checklist_ids: Iterable[int]) -> dict[int, list[Category]]:
    """Every category of each checklist with `.item_list`, each item with `.option_list`.

    Inactive rows are included (callers decide what to show); `.option_list`
    is the item's own active options, or else the checklist's active scale.
    Three queries whatever the number of checklists and items.
    """
    ids = set(checklist_ids)
    categories = Category.objects.filter(checklist_id__in=ids).order_by("order", "pk")
    items = Item.objects.filter(checklist_id__in=ids).order_by("order", "pk")
    options = Option.objects.filter(checklist_id__in=ids, active=True).order_by("order", "pk")

    scales: dict[int, list[Option]] = {}
    own: dict[int, list[Option]] = {}
    for option in options:
        if option.item_id is None:
            scales.setdefault(option.checklist_id, []).append(option)
        else:
            own.setdefault(option.item_id, []).append(option)
    by_category: dict[int, list[Item]] = {}
    for item in items:
        item.option_list = own.get(item.pk) or scales.get(item.checklist_id, [])
        by_category.setdefault(item.category_id, []).append(item)
    trees: dict[int, list[Category]] = {checklist_id: [] for checklist_id in ids}
    for category in categories:
        category.item_list = by_category.get(category.pk, [])
        trees[category.checklist_id].append(category)
    return trees


def checklist_tree(checklist: Checklist) -> list[Category]:
    """The active categories and items of one checklist, for browsing."""
    tree = []
    for category in checklist_trees([checklist.pk])[checklist.pk]:
        category.item_list = [item for item in category.item_list if item.active]
        if category.active:
            tree.append(category)
    return tree


def format_2_parts(checklist_ids: Iterable[int]) -> dict[int, dict]:
    """The profile and frameworks of format-2 checklists, in four queries whatever their size.

    {checklist id: {"profile": [ProfileQuestion with .option_list],
                    "frameworks": [Framework with .requirement_list]}}
    Format 1 checklists are not asked for: their data needs neither.
    """
    ids = set(checklist_ids)
    parts: dict[int, dict] = {i: {"profile": [], "frameworks": []} for i in ids}
    questions = (
        ProfileQuestion.objects.filter(checklist_id__in=ids)
        .prefetch_related("options")
        .order_by("order", "pk")
    )
    for question in questions:
        question.option_list = list(question.options.all())
        parts[question.checklist_id]["profile"].append(question)
    frameworks = (
        Framework.objects.filter(checklist_id__in=ids)
        .prefetch_related("requirements")
        .order_by("order", "pk")
    )
    for framework in frameworks:
        framework.requirement_list = list(framework.requirements.all())
        parts[framework.checklist_id]["frameworks"].append(framework)
    return parts


# A published or retired version never changes (rules.py), so the tree and parts
# that every questionnaire page, autosave and report read of it are kept in this
# process's memory. Keyed by id *and* creation time: after a rolled-back
# transaction SQLite can give a new row the id of a forgotten one. Drafts, which
# staff edit in the admin, are always read from the database.
FROZEN_MAX = 32
_frozen: OrderedDict[tuple, tuple[list[Category], dict | None]] = OrderedDict()
_frozen_lock = threading.Lock()


def _frozen_key(checklist: Checklist) -> tuple | None:
    if checklist.status == Status.DRAFT or checklist.created_at is None:
        return None
    return (checklist.pk, checklist.created_at)


def forget_frozen() -> None:
    """Drop the in-memory copies: for a change made below the rules (a raw UPDATE of a
    published version), which a server restart would also pick up."""
    with _frozen_lock:
        _frozen.clear()


def trees_and_parts(checklists: Iterable[Checklist]) -> tuple[dict[int, list], dict[int, dict]]:
    """checklist_trees and (for format 2) format_2_parts of these checklists: from memory
    for versions that can no longer change, else in the queries those two make.

    What is returned is shared between requests: read it, never change it.
    """
    checklists = {c.pk: c for c in checklists}
    trees: dict[int, list] = {}
    parts: dict[int, dict] = {}
    missing = []
    with _frozen_lock:
        for pk, checklist in checklists.items():
            key = _frozen_key(checklist)
            if key is not None and key in _frozen:
                _frozen.move_to_end(key)
                trees[pk], found = _frozen[key]
                if found is not None:
                    parts[pk] = found
            else:
                missing.append(checklist)
    if missing:
        trees.update(checklist_trees(c.pk for c in missing))
        second = [c.pk for c in missing if c.format == 2]
        if second:
            parts.update(format_2_parts(second))
        with _frozen_lock:
            for checklist in missing:
                key = _frozen_key(checklist)
                if key is None:
                    continue
                _frozen[key] = (trees[checklist.pk], parts.get(checklist.pk))
                while len(_frozen) > FROZEN_MAX:
                    _frozen.popitem(last=False)
    return trees, parts
