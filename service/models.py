"""Service records: tickets in support queues (teams of kind "support")."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from core.access import QueueRecordPolicy, RecordQuerySet
from core.models import TimeStamped


class Ticket(TimeStamped):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending customer"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        WEB = "web", "Web form"
        CHAT = "chat", "Chat"

    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    queue = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. demo:ticket:3")

    objects = RecordQuerySet.as_manager()
    access = QueueRecordPolicy()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["queue", "status", "-created_at"], name="ticket_queue_idx"),
            models.Index(fields=["assignee", "status", "-created_at"], name="ticket_assignee_idx"),
            # global search (core.search): words of the subject
            GinIndex(OpClass(Lower("subject"), name="gin_trgm_ops"), name="ticket_subject_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="ticket_external_id"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self):
        return reverse("service:ticket_detail", args=[self.pk])
