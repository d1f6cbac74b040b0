import django_tables2 as tables

from core.tables import RecordTable

from ..models import Opportunity


class OpportunityTable(RecordTable):
    """Columns and sorting; the cells are written by ``row_template``."""

    row_template = "sales/pipeline/_opportunity_row.html"
    stage = tables.Column(order_by=("pipeline__position", "stage__position"))
    amount = tables.Column(attrs={"th": {"class": "text-end"}})
    probability = tables.Column(verbose_name="Prob.")
    close_date = tables.Column(verbose_name="Close date")
    stale = tables.Column(empty_values=(), orderable=False, verbose_name="Attention", accessor="pk")

    class Meta(RecordTable.Meta):
        model = Opportunity
        fields = ("pk", "name", "account", "stage", "amount", "probability", "close_date",
                  "owner", "team", "stale")  # fmt: skip
        order_by = ("-created_at",)
        empty_text = "No opportunities match."
