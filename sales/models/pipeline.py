"""Pipelines, their stages, opportunities and the stage history."""

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from core.access import RecordQuerySet, SalesRecordPolicy
from core.models import OwnedRecord, TimeStamped
from core.validators import validate_web_url

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    CLOSED = "closed", "Closed"
    OMITTED = "omitted", "Omitted"


class Pipeline(models.Model):
    """A sales process, e.g. new business or renewals, with its own stages."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:board", args=[self.pk])


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(
        default=10, validators=PERCENT, help_text="Default win probability, %"
    )
    forecast_category = models.CharField(
        max_length=20, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="unique_stage_name"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability"),
            models.CheckConstraint(
                condition=Q(kind__in=["open", "won", "lost"]), name="stage_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN


class Competitor(models.Model):
    name = models.CharField(max_length=120, unique=True)
    website = models.CharField(max_length=200, blank=True, validators=[validate_web_url])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Opportunity(OwnedRecord):
    """A deal. ``status`` mirrors the stage's kind (open/won/lost) so that lists, the board
    and the forecast filter on one indexed column of this table."""

    Status = Stage.Kind

    class CloseReason(models.TextChoices):
        NONE = "", "—"
        PRICE = "price", "Price"
        PRODUCT = "product", "Product fit"
        COMPETITOR = "competitor", "Lost to a competitor"
        NO_DECISION = "no_decision", "No decision / went dark"
        TIMING = "timing", "Timing"
        RELATIONSHIP = "relationship", "Relationship"
        VALUE = "value", "Value / ROI"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        verbose_name="primary contact",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(max_length=10, choices=Stage.Kind.choices, default=Stage.Kind.OPEN)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="USD")
    probability = models.PositiveSmallIntegerField(
        default=10, validators=PERCENT, help_text="Win probability, % (from the stage unless set)"
    )
    probability_overridden = models.BooleanField(default=False)
    forecast_category = models.CharField(
        max_length=20, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    close_date = models.DateField(help_text="Expected close date; the actual one once closed")
    source = models.CharField(max_length=60, blank=True)
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        verbose_name="source campaign",
    )
    lead = models.ForeignKey(
        "sales.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="opportunities")
    competitors = models.ManyToManyField(Competitor, blank=True, related_name="opportunities")
    next_step = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(max_length=255, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(
        null=True, blank=True, help_text="Latest activity logged on the deal (stale flag)"
    )
    external_id = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every save: a stale form is refused, not overwritten"
    )

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()

    class Meta:
        ordering = ["close_date", "id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["owner", "status", "close_date"], name="opp_owner_idx"),
            models.Index(fields=["team", "status", "close_date"], name="opp_team_idx"),
            # the board: its figures read this index only; each column's first cards are a
            # short scan in close-date order
            models.Index(
                fields=["pipeline", "status", "stage", "close_date"],
                include=["id", "owner", "team", "currency", "amount", "probability"],
                name="opp_board_idx",
            ),
            # the forecast reads open/won deals by close date: covering, index-only
            models.Index(
                fields=["status", "close_date"],
                include=["owner", "team", "currency", "amount", "probability", "forecast_category"],
                name="opp_close_idx",
            ),  # fmt: skip
            # list pages in their default order (close date) and sorted by amount
            models.Index(
                fields=["close_date", "id"], include=["owner", "team"], name="opp_list_idx"
            ),
            models.Index(fields=["amount", "id"], include=["owner", "team"], name="opp_amount_idx"),
            # the list filtered by stage (open stages hold deals closing later than most rows)
            models.Index(
                fields=["stage", "close_date", "id"],
                include=["owner", "team"],
                name="opp_stage_idx",
            ),
            models.Index(fields=["account", "status"], name="opp_account_idx"),
            models.Index(fields=["-created_at"], name="opp_created_idx"),
            models.Index(fields=["external_id"], name="opp_external_idx"),
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="opp_name_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="opp_amount_not_negative",
                violation_error_message="An amount cannot be negative.",
            ),
            models.CheckConstraint(condition=Q(probability__lte=100), name="opp_probability"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "won", "lost"]), name="opp_status_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:opportunity_detail", args=[self.pk])

    @property
    def weighted_amount(self):
        return self.amount * self.probability / 100

    @property
    def last_touched_at(self):
        """The latest of: an activity logged on the deal, a stage move, its creation."""
        times = [t for t in (self.last_activity_at, self.stage_changed_at, self.created_at) if t]
        return max(times) if times else None

    @cached_property
    def stale_flags(self) -> list[tuple[str, str]]:
        """Why an open deal needs attention: ``[(code, label)]``, empty when it is fine.
        The same rules as ``sales.pipeline.selectors.filter_stale`` (the list filter)."""
        if self.status != Stage.Kind.OPEN:
            return []
        flags = []
        days = stale_days()
        touched = self.last_touched_at
        if touched and touched < timezone.now() - datetime.timedelta(days=days):
            idle = (timezone.now() - touched).days
            flags.append(("inactive", f"No activity for {idle} days"))
        if self.close_date and self.close_date < timezone.localdate():
            flags.append(("overdue", "Close date passed"))
        return flags


def stale_days() -> int:
    """``settings.SALES_STALE_DAYS``: days without activity after which an open deal is stale."""
    return int(getattr(settings, "SALES_STALE_DAYS", 30))


class StageChange(models.Model):
    """The stage history: one row per move, with the amount at that moment."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    probability = models.PositiveSmallIntegerField(validators=PERCENT)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "-changed_at"], name="stagechange_opp_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_stage_idx"),
        ]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"


class Quota(TimeStamped):
    """A rep's target of closed-won amount for one month or quarter."""

    class Period(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotas"
    )
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.QUARTER)
    start = models.DateField(help_text="First day of the month or quarter")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["start", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "start"], name="unique_quota"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_not_negative"),
        ]

    def __str__(self):
        return f"{self.user} {self.get_period_display()} {self.start:%Y-%m}: {self.amount}"
