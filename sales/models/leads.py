"""Sales records. Leads first; opportunities, quotes and orders follow."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from core import search
from core.access import RecordQuerySet, SalesRecordPolicy
from core.models import OwnedRecord


class Lead(OwnedRecord):
    class Status(models.TextChoices):
        NEW = "new", "New"
        WORKING = "working", "Working"
        QUALIFIED = "qualified", "Qualified"
        DISQUALIFIED = "disqualified", "Disqualified"

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_idx"),
            models.Index(fields=["team", "status", "-created_at"], name="lead_team_idx"),
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
                condition=models.Q(status__in=["new", "working", "qualified", "disqualified"]),
                name="lead_status_valid",
            )
        ]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.company})" if self.company else name

    def get_absolute_url(self):
        return reverse("sales:lead_detail", args=[self.pk])
