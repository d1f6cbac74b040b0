import django_tables2 as tables
from django.utils.html import format_html

from catalog import money
from core.tables import RecordTable

from ..models import Quote

BADGES = {
    "draft": "secondary",
    "pending_approval": "warning",
    "approved": "info",
    "rejected": "danger",
    "sent": "primary",
    "accepted": "success",
    "declined": "danger",
    "expired": "dark",
    "superseded": "light",
}


def status_badge(quote) -> str:
    colour = BADGES.get(quote.status, "secondary")
    text = " text-dark border" if colour == "light" else ""
    return format_html(
        '<span class="badge text-bg-{}{}">{}</span>', colour, text, quote.get_status_display()
    )


class QuoteTable(RecordTable):
    number = tables.Column(linkify=True, verbose_name="Quote", order_by=("number", "version"))
    title = tables.Column(verbose_name="Title")
    account = tables.Column(linkify=True)
    status = tables.Column()
    total = tables.Column(
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}
    )

    class Meta(RecordTable.Meta):
        model = Quote
        fields = ("number", "title", "account", "status", "total", "valid_until", "owner",
                  "team", "created_at")  # fmt: skip
        order_by = ("-created_at",)

    def render_number(self, record):
        return f"{record.number} v{record.version}"

    def render_status(self, record):
        return status_badge(record)

    def render_total(self, record):
        return money.display(record.total, record.currency)
