"""Forms of the lead pages: the sectioned lead form (with the duplicate warning), the bulk edit,
the quick status change and the conversion."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import SectionedForm
from accounts.models import Account, Contact
from core.forms import OwnerTeamBulkEditForm, RecordChoiceField, limit_record_fields

from ..models import Lead, Pipeline
from . import duplicates

SOURCES = ("Web form", "Referral", "Trade show", "Webinar", "Partner", "Cold call",
           "Advertising", "E-mail campaign")  # fmt: skip


class LeadForm(SectionedForm):
    sections = (
        ("Person", ("salutation", "first_name", "last_name", "title", "email", "phone")),
        ("Company", ("company", "industry", "employees", "website", "country", "region", "city")),
        ("Source and interest", ("source", "campaign", "interest", "message")),
        ("Qualification (BANT)",
         ("budget", "budget_currency", "authority", "timeframe", "need")),
        ("Status", ("status", "disqualified_reason", "disqualified_note")),
        ("Ownership", ("owner", "team")),
    )  # fmt: skip
    wide_fields = frozenset({"message", "need", "interest"})

    class Meta:
        model = Lead
        fields = [
            "salutation", "first_name", "last_name", "title", "email", "phone", "company",
            "industry", "employees", "website", "country", "region", "city", "source",
            "campaign", "interest", "message", "budget", "budget_currency", "authority",
            "timeframe", "need", "status", "disqualified_reason", "disqualified_note", "owner",
            "team",
        ]  # fmt: skip
        widgets = {
            "message": forms.Textarea(attrs={"rows": 3}),
            "need": forms.Textarea(attrs={"rows": 2}),
            "source": forms.TextInput(attrs={"list": "lead-sources"}),
            "interest": forms.SelectMultiple(attrs={"size": 4}),
        }
        help_texts = {
            "owner": "Leave empty to let the assignment rules choose.",
            "title": "",
            "employees": "",
        }
        labels = {"title": "Job title", "employees": "Company size (employees)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog.models import Product
        from marketing.models import Campaign

        self.hidden_duplicates = 0
        self.fields["interest"].queryset = Product.objects.filter(active=True).order_by("name")
        self.fields["interest"].help_text = "Products the lead asked about"
        self.fields["campaign"].queryset = Campaign.objects.order_by("-start_date", "name")
        self.fields["budget_currency"].widget.attrs["placeholder"] = settings.CRM_BASE_CURRENCY
        self.fields["disqualified_reason"].help_text = "Required when the status is disqualified"

    def clean_budget_currency(self):
        value = (self.cleaned_data.get("budget_currency") or "").strip().upper()
        if value and not (len(value) == 3 and value.isalpha()):
            raise forms.ValidationError("Use a three-letter currency code, e.g. EUR.")
        return value

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.is_converted:
            raise forms.ValidationError(
                "This lead was converted and can no longer be changed.", code="converted"
            )
        if data.get("status") == Lead.Status.DISQUALIFIED and not data.get("disqualified_reason"):
            self.add_error("disqualified_reason", "Say why the lead is disqualified.")
        return data

    def find_duplicates(self, data):
        leads, contacts, hidden = duplicates.find(
            user=self.user,
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            company=data.get("company") or "",
            email=data.get("email") or "",
            phone=data.get("phone") or "",
        )
        self.hidden_duplicates = hidden
        return [*leads, *contacts]

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        data["interest"] = list(data.get("interest") or [])
        return data


class LeadBulkEditForm(OwnerTeamBulkEditForm):
    """Assign (the unassigned queue by hand), move to a team, or change the status."""

    status = forms.ChoiceField(
        choices=[("", "—")] + [c for c in Lead.Status.choices if c[0] != "disqualified"],
        label="Set status",
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Lead.Status.choices)
    disqualified_reason = forms.ChoiceField(
        choices=[("", "—")] + Lead.DisqualifiedReason.choices, required=False, label="Reason"
    )
    disqualified_note = forms.CharField(max_length=255, required=False, label="Note")

    def clean(self):
        data = super().clean()
        if data.get("status") == Lead.Status.DISQUALIFIED and not data.get("disqualified_reason"):
            self.add_error("disqualified_reason", "Say why the lead is disqualified.")
        return data


def currency_choices() -> list[tuple[str, str]]:
    """The base currency and the catalog's active ones (a deal needs a rate to the base)."""
    from catalog.models import Currency

    base = settings.CRM_BASE_CURRENCY
    codes = Currency.objects.filter(active=True).exclude(code=base).values_list("code", flat=True)
    return [(base, base)] + [(code, code) for code in codes]


class ConvertForm(forms.Form):
    """Existing or new account and contact, and optionally an opportunity."""

    account_choice = forms.ChoiceField(widget=forms.RadioSelect, label="Account")
    account_id = RecordChoiceField(
        Account,
        required=False,
        label=_("Or another account"),
        error_messages={"invalid_choice": _("There is no account with this id.")},
    )
    contact_choice = forms.ChoiceField(widget=forms.RadioSelect, label="Contact")
    create_opportunity = forms.BooleanField(required=False, initial=True,
                                            label="Create an opportunity")  # fmt: skip
    opportunity_name = forms.CharField(max_length=200, required=False, label="Name")
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(required=False)
    close_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.none(), required=False)

    def __init__(self, *args, lead: Lead, accounts, contacts, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        limit_record_fields(self, user)
        new_name = lead.company or lead.full_name
        self.fields["account_choice"].choices = [("new", f"Create a new account “{new_name}”")] + [
            (
                str(a.pk),
                f"{a.name} (#{a.pk}{', ' + a.billing_country if a.billing_country else ''})",
            )
            for a in accounts
        ]
        self.fields["contact_choice"].choices = [
            ("new", f"Create a new contact “{lead.full_name}”")
        ] + [(str(c.pk), f"{c} · {c.email or 'no e-mail'}"
              f"{' · ' + c.account.name if c.account_id else ''}") for c in contacts]  # fmt: skip
        self.fields["account_choice"].initial = str(accounts[0].pk) if accounts else "new"
        self.fields["contact_choice"].initial = str(contacts[0].pk) if contacts else "new"
        self.fields["pipeline"].queryset = Pipeline.objects.filter(active=True)
        self.fields["pipeline"].empty_label = "The default pipeline"
        self.fields["currency"].choices = currency_choices()
        self.fields["currency"].initial = lead.budget_currency or settings.CRM_BASE_CURRENCY
        self.fields["amount"].initial = lead.budget
        self.fields["opportunity_name"].initial = f"{new_name}: new business"
        self.fields["close_date"].initial = timezone.localdate() + datetime.timedelta(days=30)

    def clean(self):
        data = super().clean()
        account = None
        if data.get("account_id"):
            account = data["account_id"]
        elif data.get("account_choice") not in (None, "new"):
            account = Account.objects.filter(pk=data["account_choice"]).first()
        data["account"] = account
        contact = None
        if data.get("contact_choice") not in (None, "new"):
            contact = Contact.objects.filter(pk=data["contact_choice"]).first()
        data["contact"] = contact
        if data.get("create_opportunity"):
            for name in ("opportunity_name", "close_date"):
                if not data.get(name):
                    self.add_error(name, "Needed for the opportunity.")
            data["currency"] = data.get("currency") or settings.CRM_BASE_CURRENCY
        return data

    def opportunity_data(self) -> dict:
        d = self.cleaned_data
        data = {"name": d["opportunity_name"], "amount": d.get("amount") or 0,
                "currency": d["currency"], "close_date": d["close_date"]}  # fmt: skip
        if d.get("pipeline"):
            data["pipeline"] = d["pipeline"]
        return data
