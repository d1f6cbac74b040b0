"""Activities: calls, meetings, tasks, notes and logged e-mails."""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.access import CustomerRecordPolicy, LinkedRecordPolicy, RecordQuerySet
from core.models import TimeStamped


class ActivityPolicy(CustomerRecordPolicy):
    """Activities belong to the customer database; the assignee counts as the owner. One
    logged on another record (a deal, a lead, a quote, a ticket…) also follows that record's
    policy: ``LinkedRecordPolicy`` below."""

    owner_field = "assigned_to"


class Activity(TimeStamped):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        TASK = "task", "Task"
        NOTE = "note", "Note"
        EMAIL = "email", "E-mail"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TASK)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    starts_at = models.DateTimeField(
        "when / due",
        null=True,
        blank=True,
        help_text="Start of a call or meeting; due time of a task",
    )
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    # Any other record (an opportunity, a ticket…) without this app importing its model.
    related_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    related_id = models.PositiveBigIntegerField(null=True, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    external_id = models.CharField(max_length=80, null=True, blank=True, unique=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = RecordQuerySet.as_manager()
    access = LinkedRecordPolicy(ActivityPolicy())

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["assigned_to", "done", "starts_at"], name="activity_todo_idx"),
            # INCLUDE: the 360° key figures (last contact, open activities) of an account with
            # 20,000 activities are an index-only scan instead of 20,000 heap pages.
            models.Index(
                fields=["account", "-starts_at"],
                include=["done", "kind", "done_at"],
                name="activity_account_idx",
            ),
            models.Index(
                fields=["contact", "-starts_at"],
                include=["account", "done", "kind", "done_at"],
                name="activity_contact_idx",
            ),
            models.Index(fields=["related_type", "related_id"], name="activity_related_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done=False) | Q(done_at__isnull=False), name="activity_done_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self):
        return reverse("accounts:activity_detail", args=[self.pk])


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private iCalendar URL per user; the token is the only credential, so it can be reset."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
