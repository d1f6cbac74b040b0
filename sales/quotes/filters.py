import django_filters
from django import forms

from core.filters import IdFilter, RecordFilterSet, owner_filter, team_filter

from ..models import Quote


class QuoteFilterSet(RecordFilterSet):
    status = django_filters.ChoiceFilter(choices=Quote.Status.choices)
    owner = owner_filter()
    team = team_filter()
    valid_until = django_filters.DateFromToRangeFilter(
        label="Valid until (from – to)",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    account = IdFilter(field_name="account", widget=forms.HiddenInput)
    latest = django_filters.BooleanFilter(
        method="filter_latest",
        label="Latest versions only",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Quote
        fields = ["q", "status", "owner", "team", "valid_until", "latest", "account"]

    def filter_latest(self, queryset, name, value):
        return queryset.exclude(status=Quote.Status.SUPERSEDED) if value else queryset
