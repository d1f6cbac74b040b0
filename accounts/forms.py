from django import forms

from core.forms import RecordForm

from .models import Account, Contact


class AccountForm(RecordForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Account
        fields = [
            "name", "industry", "website", "phone", "email", "billing_city", "billing_country",
            "annual_revenue", "currency", "employees", "owner", "team", "description",
        ]  # fmt: skip


class ContactForm(RecordForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "title", "account", "email", "phone", "owner", "team"]
