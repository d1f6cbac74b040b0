import django_filters
from django import forms
from django.core.validators import MaxValueValidator

from core.filters import RecordFilterSet, owner_filter, team_filter

from ..models import Lead


def yes_no():
    return forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class ScoreFilter(django_filters.NumberFilter):
    """A score bound: a whole number 0..100 (anything else is a form error, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("field_name", "score")
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return MaxValueValidator(100)


class LeadFilterSet(RecordFilterSet):
    search_fields = ("last_name", "company", "email")
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    source = django_filters.CharFilter(lookup_expr="iexact")
    owner = owner_filter()
    team = team_filter()
    score_min = ScoreFilter(lookup_expr="gte", label="Score from")
    score_max = ScoreFilter(lookup_expr="lte", label="Score up to")
    unassigned = django_filters.BooleanFilter(
        field_name="owner", lookup_expr="isnull", label="Unassigned", widget=yes_no()
    )
    converted = django_filters.BooleanFilter(
        field_name="converted_at", lookup_expr="isnull", exclude=True, label="Converted",
        widget=yes_no(),
    )  # fmt: skip

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "owner", "team", "score_min", "score_max",
                  "unassigned", "converted"]  # fmt: skip
