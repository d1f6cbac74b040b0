import django_tables2 as tables

from core.tables import RecordTable

from ..models import Lead


class LeadTable(RecordTable):
    """Columns and sorting; the cells are written by ``row_template``."""

    row_template = "sales/leads/_lead_row.html"
    last_name = tables.Column(verbose_name="Name", order_by=("last_name", "first_name"))
    status = tables.Column()
    score = tables.Column(attrs={"th": {"class": "text-end"}})
    owner = tables.Column()

    class Meta(RecordTable.Meta):
        model = Lead
        fields = ("pk", "last_name", "company", "email", "country", "source", "status", "score",
                  "owner", "team", "created_at")  # fmt: skip
        order_by = ("-created_at",)
