"""The opportunity list's filters (also the API's): every one a condition on indexed columns
of the opportunity row."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.filters import RecordFilterSet, RecordIdFilter, owner_filter, team_filter

from ..models import Opportunity, Pipeline, Stage
from .forms import StageChoiceField
from .selectors import filter_stale, month_range

STALE_CHOICES = [
    ("any", "Stale (either)"),
    ("inactive", "No recent activity"),
    ("overdue", "Close date passed"),
]


class StageFilter(django_filters.ModelChoiceFilter):
    field_class = StageChoiceField


class OpportunityFilterSet(RecordFilterSet):
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), empty_label="Any")
    stage = StageFilter(
        queryset=Stage.objects.select_related("pipeline").order_by(
            "pipeline__position", "pipeline__name", "position"
        ),
        empty_label="Any",
    )
    status = django_filters.ChoiceFilter(choices=Stage.Kind.choices, empty_label="Any")
    owner = owner_filter()
    team = team_filter()
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Only mine", widget=forms.CheckboxInput
    )
    close_month = django_filters.CharFilter(
        method="filter_close_month",
        label="Close month",
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    close_from = django_filters.DateFilter(
        field_name="close_date",
        lookup_expr="gte",
        label="Closes from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_to = django_filters.DateFilter(
        field_name="close_date",
        lookup_expr="lte",
        label="Closes until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label="Amount from", min_value=0
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label="Amount up to", min_value=0
    )
    stale = django_filters.ChoiceFilter(
        choices=STALE_CHOICES, method="filter_stale", label="Needs attention", empty_label="Any"
    )
    account = RecordIdFilter(Account, field_name="account_id", label=_("Account"))

    class Meta:
        model = Opportunity
        fields = ["q", "pipeline", "stage", "status", "owner", "team", "mine", "close_month",
                  "close_from", "close_to", "amount_min", "amount_max", "stale",
                  "account"]  # fmt: skip

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.filter(owner=user) if value and user is not None else queryset

    def filter_close_month(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        bounds = month_range(value)
        if bounds is None:
            return queryset.none()
        return queryset.filter(close_date__gte=bounds[0], close_date__lt=bounds[1])

    def filter_stale(self, queryset, name, value):
        return filter_stale(queryset, value) if value else queryset
