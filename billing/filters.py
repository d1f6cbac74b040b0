import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.filters import RecordFilterSet, RecordIdFilter, owner_filter, team_filter

from .models import Invoice, Order

DATE = forms.DateInput(attrs={"type": "date"})


class OrderFilterSet(RecordFilterSet):
    search_fields = ("number", "account__name")
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    account = RecordIdFilter(Account, field_name="account_id", label=_("Account"))
    ordered_after = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="gte", label="Ordered from", widget=DATE
    )
    ordered_before = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="lte", label="Ordered until", widget=DATE
    )
    owner = owner_filter()
    team = team_filter()

    class Meta:
        model = Order
        fields = ["q", "status", "owner", "team", "ordered_after", "ordered_before", "account"]

    def filter_q(self, queryset, name, value):
        """Order number or the account's name, from their start (the search box's provider
        only knows numbers)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__istartswith=value) | Q(account__name__istartswith=value))


class InvoiceFilterSet(RecordFilterSet):
    search_fields = ("number", "account__name")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue", widget=django_filters.widgets.BooleanWidget
    )
    currency = django_filters.CharFilter(max_length=3, label="Currency", method="filter_currency")
    account = RecordIdFilter(Account, field_name="account_id", label=_("Account"))
    issued_after = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label="Issued from", widget=DATE
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label="Issued until", widget=DATE
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "overdue", "currency", "issued_after", "issued_before", "account"]

    filter_q = OrderFilterSet.filter_q

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.upper())

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)


def overdue_q() -> Q:
    """Open, past its due date, still owing (uses the partial index on open invoices)."""
    return Q(
        status=Invoice.Status.OPEN,
        due_on__lt=timezone.localdate(),
        total__gt=F("paid_amount") + F("credited_amount"),
    )
