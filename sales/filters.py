import django_filters

from core.filters import RecordFilterSet, owner_filter, team_filter

from .models import Lead


class LeadFilterSet(RecordFilterSet):
    search_fields = ("last_name", "company", "email")
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    source = django_filters.CharFilter(lookup_expr="iexact")
    owner = owner_filter()
    team = team_filter()
    unassigned = django_filters.BooleanFilter(
        field_name="owner", lookup_expr="isnull", label="Unassigned (team queue)"
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "owner", "team", "unassigned"]
