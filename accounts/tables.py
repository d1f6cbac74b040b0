import django_tables2 as tables

from core.tables import RecordTable

from .models import Account, Contact


class AccountTable(RecordTable):
    name = tables.Column(linkify=True)

    class Meta(RecordTable.Meta):
        model = Account
        fields = ("pk", "name", "industry", "billing_city", "billing_country", "owner", "team")
        order_by = ("name",)


class ContactTable(RecordTable):
    last_name = tables.Column(
        linkify=True, verbose_name="Name", order_by=("last_name", "first_name")
    )
    account = tables.Column(linkify=True)

    class Meta(RecordTable.Meta):
        model = Contact
        fields = ("pk", "last_name", "title", "account", "email", "phone", "owner")
        order_by = ("last_name",)

    def render_last_name(self, record):
        return str(record)
