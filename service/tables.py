import django_tables2 as tables

from core.tables import RecordTable

from .models import Ticket


class TicketTable(RecordTable):
    subject = tables.Column(linkify=True)
    account = tables.Column(linkify=True)

    class Meta(RecordTable.Meta):
        model = Ticket
        fields = ("pk", "id", "subject", "account", "status", "priority", "channel", "queue",
                  "assignee", "created_at")  # fmt: skip
        order_by = ("-created_at",)
