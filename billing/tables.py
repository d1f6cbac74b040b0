import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from catalog import money
from core.tables import RecordTable

from .models import Invoice, Order


class MoneyColumn(tables.Column):
    """An amount with the row's currency, right-aligned."""

    def __init__(self, *args, currency="currency", **kwargs):
        self.currency = currency
        attrs = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}
        super().__init__(*args, attrs=attrs, **kwargs)

    def render(self, value, record):
        currency = getattr(record, self.currency)
        return format_html("{} <small class='text-secondary'>{}</small>",
                           money.display_amount(value, currency), currency)  # fmt: skip


class OrderTable(RecordTable):
    number = tables.Column(linkify=True)
    account = tables.Column(linkify=True, order_by=("account__name",))
    total = MoneyColumn()

    class Meta(RecordTable.Meta):
        model = Order
        fields = ("number", "account", "status", "ordered_on", "total", "owner", "team")
        order_by = ("-ordered_on",)


class InvoiceTable(RecordTable):
    number = tables.Column(linkify=True)
    account = tables.Column(linkify=True, order_by=("account__name",))
    total = MoneyColumn()
    outstanding = tables.Column(
        empty_values=(), orderable=False, verbose_name="Outstanding",
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
    )  # fmt: skip

    class Meta(RecordTable.Meta):
        model = Invoice
        fields = ("number", "account", "status", "issued_on", "due_on", "total", "outstanding")
        order_by = ("-issued_on",)

    def render_status(self, value, record):
        return status_badge(record)

    def render_outstanding(self, record):
        if record.outstanding <= 0:
            return "—"
        return format_html("{} <small class='text-secondary'>{}</small>",
                           money.display_amount(record.outstanding, record.currency),
                           record.currency)  # fmt: skip


def days_overdue(invoice) -> int:
    """Days past the due date of an open invoice that still owes something (0 otherwise)."""
    if invoice.status != Invoice.Status.OPEN or invoice.outstanding <= 0:
        return 0
    return max((timezone.localdate() - invoice.due_on).days, 0)


def status_badge(invoice):
    late = days_overdue(invoice)
    if late:
        return format_html(
            '<span class="badge text-bg-danger" data-overdue="{}">Overdue {} d</span>', late, late
        )
    colour = {"open": "primary", "paid": "success", "cancelled": "secondary"}[invoice.status]
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', colour, invoice.get_status_display()
    )
