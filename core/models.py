"""Shared building blocks: timestamps and the transactional outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OwnedRecord(TimeStamped):
    """A record with an owner and a team: the two facts row-level access is decided on."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class OutboxEvent(models.Model):
    """Something that happened, written in the same transaction as the change that caused it.

    A relay publishes it to Celery after commit; a beat task re-publishes whatever is still
    pending (broker down, worker killed). Handlers run in the same transaction that marks the
    event processed, under a row lock, so an event is handled once.
    """

    topic = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=Q(processed_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.topic} #{self.pk}"


class SavedFilter(models.Model):
    """A user's named set of filters for one list page: nothing but its GET parameters, so
    applying it goes through the list's filterset and row-level access like any other visit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_key = models.CharField(max_length=100, help_text='URL name, e.g. "accounts:account_list"')
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True, help_text="The list's query string")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="unique_saved_filter_name"
            )
        ]

    def __str__(self):
        return self.name


class Notification(models.Model):
    """Something a user should know about (a lead assigned to them, a quote to approve).
    Written in the transaction of the change; the e-mail goes out through the outbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self):
        return self.subject
