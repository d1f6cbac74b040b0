from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.filters import IdFilter, RecordFilterSet, owner_filter, team_filter

from .models import Account, Activity, Contact


class AccountFilterSet(RecordFilterSet):
    search_fields = ("name", "email")
    industry = django_filters.CharFilter(lookup_expr="iexact")
    billing_country = django_filters.CharFilter(lookup_expr="iexact", label="Country")
    billing_city = django_filters.CharFilter(lookup_expr="iexact", label="City")
    owner = owner_filter()
    team = team_filter()
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label="Mine (I own them)",
        widget=forms.Select(choices=(("", "Any"), ("true", "Yes"), ("false", "No"))),
    )
    no_activity_days = django_filters.NumberFilter(
        method="filter_no_activity", label="No activity in (days)", min_value=1, max_value=3650
    )

    class Meta:
        model = Account
        fields = [
            "q", "industry", "billing_country", "billing_city", "owner", "team", "mine",
            "no_activity_days",
        ]  # fmt: skip

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(owner=user) if value else queryset.exclude(owner=user)

    def filter_no_activity(self, queryset, name, value):
        """No call, meeting, note… with the account in the last ``value`` days (NOT EXISTS on
        activity_account_idx); notes without a date count by when they were written."""
        now = timezone.now()
        since = now - timedelta(days=int(value))
        recent = Activity.objects.filter(account=OuterRef("pk")).filter(
            Q(starts_at__range=(since, now)) | Q(starts_at__isnull=True, created_at__gte=since)
        )
        return queryset.filter(~Exists(recent))


class ContactFilterSet(RecordFilterSet):
    search_fields = ("last_name", "first_name", "email")
    account = IdFilter(field_name="account_id", label="Account id")
    owner = owner_filter()
    team = team_filter()

    class Meta:
        model = Contact
        fields = ["q", "account", "owner", "team"]
