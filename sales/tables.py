import django_tables2 as tables

from core.tables import RecordTable

from .models import Lead


class LeadTable(RecordTable):
    last_name = tables.Column(linkify=True, verbose_name="Name")
    status = tables.Column()

    class Meta(RecordTable.Meta):
        model = Lead
        fields = ("pk", "last_name", "company", "email", "source", "status", "owner", "team",
                  "created_at")  # fmt: skip
        order_by = ("-created_at",)

    def render_last_name(self, record):
        return f"{record.first_name} {record.last_name}".strip()
