"""Leads: capture, assignment rules, scoring and conversion."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from core import search
from core.access import RecordQuerySet, SalesRecordPolicy
from core.models import OwnedRecord, TimeStamped
from core.validators import validate_web_url


class Lead(OwnedRecord):
    class Status(models.TextChoices):
        NEW = "new", "New"
        WORKING = "working", "Working"
        QUALIFIED = "qualified", "Qualified"
        DISQUALIFIED = "disqualified", "Disqualified"

    class DisqualifiedReason(models.TextChoices):
        NO_BUDGET = "no_budget", "No budget"
        NO_NEED = "no_need", "No need"
        NO_AUTHORITY = "no_authority", "Not a decision maker"
        COMPETITOR = "competitor", "Chose a competitor"
        UNRESPONSIVE = "unresponsive", "Unresponsive"
        DUPLICATE = "duplicate", "Duplicate"
        SPAM = "spam", "Spam"
        OTHER = "other", "Other"

    class Authority(models.TextChoices):
        UNKNOWN = "", "Unknown"
        DECISION_MAKER = "decision_maker", "Decision maker"
        INFLUENCER = "influencer", "Influencer"
        USER = "user", "User / no authority"

    class Timeframe(models.TextChoices):
        UNKNOWN = "", "Unknown"
        NOW = "now", "Now"
        QUARTER = "quarter", "This quarter"
        YEAR = "year", "This year"
        LATER = "later", "Later"

    # the person and the company
    salutation = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    title = models.CharField(max_length=120, blank=True, help_text="Job title")
    company = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=80, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True, help_text="Company size")
    website = models.CharField(max_length=200, blank=True, validators=[validate_web_url])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True, help_text="Region / territory")
    city = models.CharField(max_length=80, blank=True)
    # where it came from
    source = models.CharField(max_length=60, blank=True)
    campaign = models.ForeignKey(
        "marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    interest = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="interested_leads", verbose_name="interest"
    )
    message = models.TextField(blank=True, help_text="What the lead wrote or asked for")
    external_id = models.CharField(max_length=64, blank=True)
    # qualification (BANT)
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_currency = models.CharField(max_length=3, blank=True)
    authority = models.CharField(max_length=20, choices=Authority.choices, blank=True)
    need = models.TextField(blank=True)
    timeframe = models.CharField(max_length=20, choices=Timeframe.choices, blank=True)
    # state
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    disqualified_reason = models.CharField(
        max_length=20, choices=DisqualifiedReason.choices, blank=True
    )
    disqualified_note = models.CharField(max_length=255, blank=True)
    score = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    score_explanation = models.JSONField(
        default=list, blank=True, help_text="[{factor, points}] that add up to the score"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # conversion: what the lead became (set once, in the conversion's transaction)
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_opportunity = models.ForeignKey(
        "sales.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_idx"),
            models.Index(fields=["team", "status", "-created_at"], name="lead_team_idx"),
            models.Index(fields=["status", "-score"], name="lead_status_score_idx"),
            models.Index(fields=["external_id"], name="lead_external_idx"),
            # global search (core.search)
            GinIndex(
                OpClass(search.full_name("first_name", "last_name"), name="gin_trgm_ops"),
                name="lead_fullname_trgm",
            ),
            GinIndex(OpClass(Lower("company"), name="gin_trgm_ops"), name="lead_company_trgm"),
            models.Index(Lower("email"), name="lead_email_idx"),
            GinIndex(
                OpClass(search.phone_digits("phone"), name="gin_trgm_ops"), name="lead_phone_trgm"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "working", "qualified", "disqualified"]),
                name="lead_status_valid",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="lead_score_range"),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="lead_budget_not_negative",
                violation_error_message="A budget cannot be negative.",
            ),
        ]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.company})" if self.company else name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_converted(self) -> bool:
        return self.converted_at is not None

    def get_absolute_url(self):
        return reverse("sales:lead_detail", args=[self.pk])


class AssignmentRule(TimeStamped):
    """ "Leads like this go to that team": ordered, first match wins. An empty condition
    matches anything. Inside the team, leads go round-robin to reps with capacity."""

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0, help_text="Lower runs first")
    active = models.BooleanField(default=True)
    countries = ArrayField(
        models.CharField(max_length=80), default=list, blank=True, help_text="Country or region"
    )
    sources = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", help_text="Any of these interests"
    )
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    team = models.ForeignKey(
        "users.Team", on_delete=models.CASCADE, related_name="lead_rules", verbose_name="send to"
    )
    round_robin = models.BooleanField(
        default=True, help_text="Assign to a rep of the team; otherwise leave it in its queue"
    )
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. demo:rule:2")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="rule_external_id"
            ),
        ]

    def __str__(self):
        return self.name


class AssignmentLog(models.Model):
    """Every assignment of a lead: by which rule or person, to whom, and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    rule = models.ForeignKey(
        AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the rules assigned it",
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="assignlog_lead_idx")]

    def __str__(self):
        return f"{self.lead_id} → {self.owner_id or self.team_id}"


class LeadScoringModel(models.Model):
    """The learned part of the lead score: log-odds per fact, trained on our own converted
    vs disqualified leads. The newest row is used."""

    trained_at = models.DateTimeField(auto_now_add=True)
    converted = models.PositiveIntegerField(default=0)
    disqualified = models.PositiveIntegerField(default=0)
    weights = models.JSONField(default=dict, help_text='{"source=web": 0.8, ...}')

    class Meta:
        ordering = ["-trained_at"]
        get_latest_by = "trained_at"

    def __str__(self):
        return f"Lead scoring model of {self.trained_at:%Y-%m-%d %H:%M}"
