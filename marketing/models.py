"""Campaigns and who they reached. The marketing issue builds segments, sends and ROI on
these; sales uses them for lead/opportunity attribution and the engagement score."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.access import CustomerRecordPolicy, RecordQuerySet
from core.models import OwnedRecord

MONEY = {"max_digits": 16, "decimal_places": 2}


class Campaign(OwnedRecord):
    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        EVENT = "event", "Event / trade show"
        WEBINAR = "webinar", "Webinar"
        ADVERTISING = "advertising", "Advertising"
        PHONE = "phone", "Telemarketing"
        REFERRAL = "referral", "Referral program"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ABORTED = "aborted", "Aborted"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EMAIL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    actual_cost = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    expected_revenue = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD")
    description = models.TextField(blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    objects = RecordQuerySet.as_manager()
    access = CustomerRecordPolicy()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="campaign_dates_ordered",
                violation_error_message="A campaign cannot end before it starts.",
            )
        ]

    def __str__(self):
        return self.name


class CampaignMember(models.Model):
    """A lead or contact a campaign reached, and whether they responded."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        RESPONDED = "responded", "Responded"
        CONVERTED = "converted", "Converted"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    lead = models.ForeignKey(
        "sales.Lead",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="campaign_members",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="campaign_members",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    responded_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["lead", "status"], name="member_lead_idx"),
            models.Index(fields=["contact", "status"], name="member_contact_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False) | Q(contact__isnull=False),
                name="member_is_lead_or_contact",
            ),
            models.UniqueConstraint(
                fields=["campaign", "lead"],
                condition=Q(lead__isnull=False),
                name="unique_member_lead",
            ),
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(contact__isnull=False),
                name="unique_member_contact",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}: {self.lead_id or self.contact_id} {self.status}"
