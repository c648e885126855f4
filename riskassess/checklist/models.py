"""The checklist catalogue that administrators edit (contracts.md §1-2).

Answers refer to items and options with PROTECT foreign keys, so a row that
answers depend on cannot be deleted; it is retired (``active=False``) instead.
A published or retired version is read-only altogether (rules.py).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from riskassess.checklist import rules
from riskassess.checklist.rules import Status

KEY_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
)
CHANGE_NOTE_MAX = 2000


def _refuse_if_frozen(checklist: "Checklist") -> None:
    """For clean(): the admin never offers such an edit, and this says why if one is tried."""
    try:
        rules.ensure_editable(checklist)
    except rules.Frozen as exc:
        raise ValidationError(str(exc)) from None


class ChecklistQuerySet(models.QuerySet):
    def published(self) -> "ChecklistQuerySet":
        return self.filter(status=Status.PUBLISHED)

    def _newest_published(self) -> models.Subquery:
        return models.Subquery(
            self.model.objects.published()
            .filter(slug=models.OuterRef("slug"))
            .order_by("-version")
            .values("pk")[:1]
        )

    def current(self) -> "ChecklistQuerySet":
        """The newest published version of each checklist slug."""
        return self.published().filter(pk=self._newest_published()).order_by("name")

    def with_current_flag(self) -> "ChecklistQuerySet":
        """Each row with `.is_current`: whether it is what current() gives for its slug."""
        return self.annotate(
            is_current=models.ExpressionWrapper(
                Q(pk=self._newest_published()), output_field=models.BooleanField()
            )
        )


class Checklist(models.Model):
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    description = models.TextField(blank=True, max_length=5000)
    source = models.CharField(max_length=500, blank=True)
    threshold_medium = models.FloatField(default=25)
    threshold_high = models.FloatField(default=50)
    threshold_critical = models.FloatField(default=75)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    change_note = models.TextField(
        blank=True,
        max_length=CHANGE_NOTE_MAX,
        help_text="What changed from the previous version, for the people who answer it.",
    )
    # Format 2 (contracts.md §6): a profile, impact tiers, a level matrix, frameworks.
    format = models.PositiveSmallIntegerField(default=1, choices=[(1, "1"), (2, "2")])
    impact_tiers = models.JSONField(null=True, blank=True)
    level_matrix = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_checklist_version"),
            models.CheckConstraint(
                condition=Q(threshold_medium__gt=0)
                & Q(threshold_high__gt=models.F("threshold_medium"))
                & Q(threshold_critical__gt=models.F("threshold_high"))
                & Q(threshold_critical__lte=100),
                name="checklist_thresholds_ordered",
                violation_error_message="Thresholds need 0 < medium < high < critical ≤ 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def thresholds(self) -> dict[str, float]:
        return {
            "medium": self.threshold_medium,
            "high": self.threshold_high,
            "critical": self.threshold_critical,
        }


class Category(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="categories")
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    reference = models.CharField(max_length=100, blank=True)
    weight = models.FloatField(default=1, validators=[MinValueValidator(0.01)])
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    # Format 2: the condition on the profile under which its items are asked.
    applies_if = models.JSONField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["checklist", "order", "pk"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_category_key"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="category_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def clean(self) -> None:
        if self.checklist_id:
            _refuse_if_frozen(self.checklist)


class Item(models.Model):
    # Denormalised from category so that item keys are unique per checklist in the database.
    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", editable=False
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    question = models.TextField(max_length=1000)
    guidance = models.TextField(blank=True, max_length=5000)
    mitigation = models.TextField(blank=True, max_length=5000)
    reference = models.CharField(max_length=100, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    critical = models.BooleanField(default=False)
    required = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    # Format 2 (contracts.md §6): when it is asked, when it is critical (a condition
    # on the profile; `critical` then stays false), what it is about, what it covers.
    applies_if = models.JSONField(null=True, blank=True)
    critical_if = models.JSONField(null=True, blank=True)
    scope = models.CharField(
        max_length=20,
        default="deployment",
        choices=[("deployment", "Deployment"), ("base_model", "Base model")],
    )
    frameworks = models.JSONField(default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category__order", "category_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_item_key"),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=5), name="item_weight_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        self.checklist_id = self.category.checklist_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.category_id:
            _refuse_if_frozen(self.category.checklist)
        # The form does not carry `checklist`, so the database constraint would
        # only surface as an IntegrityError; say it in words instead.
        if self.category_id and self.key:
            clash = Item.objects.filter(
                checklist_id=self.category.checklist_id, key=self.key
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"key": f"Item key {self.key} is already used in this checklist."}
                )


class Option(models.Model):
    """An answer option: of the checklist's default scale (item empty) or of one item."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="options")
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="options", null=True, blank=True
    )
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    label = models.CharField(max_length=200)
    risk = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    not_applicable = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "key"],
                condition=Q(item__isnull=True),
                name="unique_scale_option_key",
            ),
            models.UniqueConstraint(
                fields=["item", "key"],
                condition=Q(item__isnull=False),
                name="unique_item_option_key",
            ),
            models.CheckConstraint(
                condition=(Q(not_applicable=True) & Q(risk__isnull=True))
                | (Q(not_applicable=False) & Q(risk__gte=0) & Q(risk__lte=1)),
                name="option_risk_or_na",
                violation_error_message=(
                    "An option has either a risk between 0 and 1 or is 'not applicable', not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.label})"

    def clean(self) -> None:
        if self.checklist_id:
            _refuse_if_frozen(self.checklist)
        if self.not_applicable and self.risk is not None:
            raise ValidationError(
                {"risk": "A 'not applicable' option has no risk: leave it empty."}
            )
        if not self.not_applicable and self.risk is None:
            raise ValidationError(
                {"risk": "Give a risk between 0.0 and 1.0, or tick 'not applicable'."}
            )


class ProfileQuestion(models.Model):
    """A screening or impact question of a format-2 checklist, asked before the items."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="profile")
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    question = models.TextField(max_length=1000)
    guidance = models.TextField(blank=True, max_length=5000)
    multiple = models.BooleanField(default=False, help_text="Several options may be chosen.")
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["checklist", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_profile_key"),
        ]

    def __str__(self) -> str:
        return self.key


class ProfileOption(models.Model):
    question = models.ForeignKey(ProfileQuestion, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    label = models.CharField(max_length=200)
    impact = models.FloatField(default=0, validators=[MinValueValidator(0.0)])
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="unique_profile_option"),
            models.CheckConstraint(condition=Q(impact__gte=0), name="profile_impact_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.label})"


class Framework(models.Model):
    """A framework a format-2 checklist maps its items to, with every requirement it has."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="frameworks")
    key = models.CharField(max_length=50, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["checklist", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="unique_framework_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Requirement(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="requirements")
    rid = models.CharField("id", max_length=50)
    title = models.CharField(max_length=500)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "rid"], name="unique_requirement_id"),
        ]

    def __str__(self) -> str:
        return f"{self.rid} {self.title}"
