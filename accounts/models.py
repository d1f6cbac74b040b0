"""The customer database: accounts (companies, households) and their contacts."""

from django.db import models
from django.urls import reverse

from core.access import CustomerRecordPolicy, RecordQuerySet
from core.models import OwnedRecord


class Account(OwnedRecord):
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=80, blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    employees = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)

    objects = RecordQuerySet.as_manager()
    access = CustomerRecordPolicy()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_idx"),
            models.Index(fields=["owner", "name"], name="account_owner_idx"),
            models.Index(fields=["team", "name"], name="account_team_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:account_detail", args=[self.pk])


class Contact(OwnedRecord):
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    title = models.CharField(max_length=100, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    objects = RecordQuerySet.as_manager()
    access = CustomerRecordPolicy()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(fields=["owner", "last_name"], name="contact_owner_idx"),
            models.Index(fields=["email"], name="contact_email_idx"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("accounts:contact_detail", args=[self.pk])
