import django_filters

from core.filters import IdFilter, RecordFilterSet, owner_filter, team_filter

from .models import Account, Contact


class AccountFilterSet(RecordFilterSet):
    search_fields = ("name", "email")
    industry = django_filters.CharFilter(lookup_expr="iexact")
    billing_country = django_filters.CharFilter(lookup_expr="iexact", label="Country")
    owner = owner_filter()
    team = team_filter()

    class Meta:
        model = Account
        fields = ["q", "industry", "billing_country", "owner", "team"]


class ContactFilterSet(RecordFilterSet):
    search_fields = ("last_name", "first_name", "email")
    account = IdFilter(field_name="account_id", label="Account id")
    owner = owner_filter()
    team = team_filter()

    class Meta:
        model = Contact
        fields = ["q", "account", "owner", "team"]
