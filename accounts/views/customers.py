from core.forms import OwnerTeamBulkEditForm
from core.views.generic import RecordViews

from ..filters import AccountFilterSet, ContactFilterSet
from ..forms import AccountForm, ContactForm
from ..models import Account, Contact
from ..tables import AccountTable, ContactTable


class AccountViews(RecordViews):
    model = Account
    namespace = "accounts"
    queryset = Account.objects.select_related("owner", "team")
    filterset_class = AccountFilterSet
    table_class = AccountTable
    form_class = AccountForm
    bulk_edit_form = OwnerTeamBulkEditForm
    detail_template = "accounts/account_detail.html"
    detail_fields = (
        "industry", "website", "phone", "email", "billing_city", "billing_country",
        "annual_revenue", "currency", "employees", "owner", "team", "description",
    )  # fmt: skip
    export_fields = (
        "id", "name", "industry", "website", "phone", "email", "billing_city", "billing_country",
        "annual_revenue", "currency", "employees", "owner__username", "team__name",
    )  # fmt: skip

    @classmethod
    def detail_context(cls, request, obj):
        return {"contacts": obj.contacts.order_by("last_name")[:50]}


class ContactViews(RecordViews):
    model = Contact
    namespace = "accounts"
    queryset = Contact.objects.select_related("owner", "team", "account")
    filterset_class = ContactFilterSet
    table_class = ContactTable
    form_class = ContactForm
    bulk_edit_form = OwnerTeamBulkEditForm
    detail_fields = ("title", "account", "email", "phone", "owner", "team")
    export_fields = (
        "id", "first_name", "last_name", "title", "account__name", "email", "phone",
        "owner__username", "team__name",
    )  # fmt: skip
