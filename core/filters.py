"""Filterset base: a free-text ``q`` that each list maps onto its indexed columns."""

import django_filters
from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q

from core import search
from core.forms import RecordPicker
from users.models import Team, User


class RecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=search.MAX_LENGTH)
    search_fields: tuple[str, ...] = ()  # for a model without a search provider

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        provider = search.provider_for(queryset.model)
        if provider is not None:
            # The search box's matching, so its "see all" lists the same rows.
            query = search.parse(value)
            return provider.filter(queryset, query) if query else queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__istartswith": value})
        return queryset.filter(cond)


def owner_filter(field_name="owner", label="Owner"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=User.objects.filter(is_active=True).exclude(role=""),
        label=label,
        empty_label="Any",
    )


def team_filter(field_name="team", label="Team"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Team.objects.all(), label=label, empty_label="Any"
    )


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within a bigint (``1.5`` or ``1e99`` is invalid, not rounded
    or overflowed)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return MaxValueValidator(2**63 - 1)


class RecordIdFilter(IdFilter):
    """A record's id, chosen with a record picker (``core.forms.RecordPicker``) instead of typed:
    it filters by the id like ``IdFilter`` (the list holds only rows the user may read), and the
    picker names the chosen record and finds others by name among those the user may read."""

    def __init__(self, model, *args, **kwargs):
        kwargs.setdefault("widget", RecordPicker(model))
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        request = getattr(self.parent, "request", None)
        field.widget.limit_to(getattr(request, "user", None))
        return field
