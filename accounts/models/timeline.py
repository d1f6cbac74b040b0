"""The 360° timeline: one row per thing that happened with a customer.

Every app writes its own entries through ``accounts.timeline.record()`` (an extension point:
this app imports none of theirs). An entry carries the access facts of the record it is about
(``access_kind`` + owner + team), so the timeline is filtered in SQL with the same rules as
the records themselves.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q

from core.access import ALL_ROWS, NO_ROWS, QueueRecordPolicy, SalesRecordPolicy, active_role


class TimelineQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Each entry obeys the policy of the record it is about, in one SQL filter."""
        if not active_role(user):
            return self.none()
        Access = TimelineEntry.Access  # noqa: N806
        condition = Q(access_kind=Access.CUSTOMER) & _activities_visible_to(user)
        for kind, policy in ((Access.SALES, _SALES), (Access.QUEUE, _QUEUE)):
            rows = policy.read_condition(user)
            if rows is not NO_ROWS:
                condition |= Q(access_kind=kind) & rows
        return self.filter(condition)


def _activities_visible_to(user) -> Q:
    """An activity's entry (a customer entry) is seen by those who see the activity: one
    logged on a deal or a ticket follows that record (``Activity.access``)."""
    from django.contrib.contenttypes.models import ContentType

    from .activities import Activity

    rows = Activity.access.read_condition(user)
    if rows is ALL_ROWS:
        return ALL_ROWS
    activity = ContentType.objects.get_for_model(Activity).pk
    if rows is NO_ROWS:
        return ~Q(subject_type_id=activity)
    visible = Activity.objects.filter(rows, pk=OuterRef("subject_id"))
    return ~Q(subject_type_id=activity) | Q(Exists(visible))


_SALES = SalesRecordPolicy(owner_field="owner", team_field="team")
_QUEUE = QueueRecordPolicy(owner_field="owner", team_field="team")


class TimelineEntry(models.Model):
    class Access(models.TextChoices):
        CUSTOMER = "customer", "Customer database"  # everyone with a role
        SALES = "sales", "Sales record"  # SalesRecordPolicy rules
        QUEUE = "queue", "Ticket"  # QueueRecordPolicy rules

    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=40, help_text="e.g. call, meeting, change, opportunity")
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    url = models.CharField(max_length=255, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    access_kind = models.CharField(max_length=10, choices=Access.choices, default=Access.CUSTOMER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TimelineQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="timeline_account_idx"),
            models.Index(fields=["contact", "-occurred_at", "-id"], name="timeline_contact_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="timeline_subject_idx"),
        ]

    def __str__(self):
        return self.title
