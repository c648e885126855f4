"""Read the catalogue as whole trees, in a fixed number of queries."""

from django.db.models import Count, Q, QuerySet

from riskassess.checklist.models import Category, Checklist, Item, Option


def visible_checklists(user) -> QuerySet[Checklist]:
    """Published checklists for everyone; staff also see drafts and retired ones."""
    checklists = Checklist.objects.all() if user.is_staff else Checklist.objects.published()
    return checklists.annotate(
        category_count=Count("categories", filter=Q(categories__active=True), distinct=True),
        item_count=Count("items", filter=Q(items__active=True), distinct=True),
    )


def checklist_tree(checklist: Checklist, *, include_inactive: bool = False) -> list[Category]:
    """Categories with `.item_list` (each item with `.option_list`, its own or the scale).

    Three queries whatever the size: categories, items, options.
    """
    categories = checklist.categories.order_by("order", "pk")
    items = Item.objects.filter(checklist=checklist).order_by("order", "pk")
    options = Option.objects.filter(checklist=checklist).order_by("order", "pk")
    if not include_inactive:
        categories = categories.filter(active=True)
        items = items.filter(active=True)
        options = options.filter(active=True)

    scale, own = [], {}
    for option in options:
        if option.item_id is None:
            scale.append(option)
        else:
            own.setdefault(option.item_id, []).append(option)
    by_category: dict[int, list[Item]] = {}
    for item in items:
        item.option_list = own.get(item.pk, scale)
        by_category.setdefault(item.category_id, []).append(item)
    tree = list(categories)
    for category in tree:
        category.item_list = by_category.get(category.pk, [])
    return tree
