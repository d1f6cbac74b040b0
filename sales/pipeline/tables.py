import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from core.tables import RecordTable

from ..models import Opportunity


class OpportunityTable(RecordTable):
    name = tables.Column(linkify=True)
    account = tables.Column(linkify=True)
    stage = tables.Column(order_by=("pipeline__position", "stage__position"))
    amount = tables.Column(
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}
    )
    probability = tables.Column(verbose_name="Prob.", attrs={"td": {"class": "text-end"}})
    close_date = tables.DateColumn(format="j M Y", verbose_name="Close date")
    stale = tables.Column(empty_values=(), orderable=False, verbose_name="Attention", accessor="pk")

    class Meta(RecordTable.Meta):
        model = Opportunity
        fields = ("pk", "name", "account", "stage", "amount", "probability", "close_date",
                  "owner", "team", "stale")  # fmt: skip
        order_by = ("-created_at",)
        empty_text = "No opportunities match."

    def render_stage(self, record):
        badge = {"won": "text-bg-success", "lost": "text-bg-secondary"}.get(record.status)
        if badge:
            return format_html('<span class="badge {}">{}</span>', badge, record.stage.name)
        return record.stage.name

    def render_amount(self, record):
        return f"{record.amount:,.2f} {record.currency}"

    def render_probability(self, value):
        return f"{value} %"

    def render_stale(self, record):
        return format_html_join(
            " ",
            '<span class="badge text-bg-warning" data-stale="{}">{}</span>',
            record.stale_flags,
        )

    def value_stale(self, record):
        return "; ".join(label for _, label in record.stale_flags)
