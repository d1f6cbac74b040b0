"""Forms of the opportunity pages and the board: the record form (with its version for the
optimistic lock), won/lost, the board's filters and the bulk edit."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from core.forms import OwnerTeamBulkEditForm, RecordChoiceField, RecordForm, RecordPicker
from users.models import Role, Team, User

from ..models import Competitor, Opportunity, Stage
from . import services
from .selectors import month_range

SALES_PEOPLE = (Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage):
        return f"{stage.pipeline.name} · {stage.name}"


def grouped_stage_choices(stages, *, blank: bool = False) -> list:
    """Stages grouped by pipeline, each with its default probability."""
    groups: dict[str, list] = {}
    for stage in stages:
        label = f"{stage.name} ({stage.probability} %)"
        groups.setdefault(stage.pipeline.name, []).append((stage.pk, label))
    return ([("", "—")] if blank else []) + list(groups.items())


def _end_of_next_month() -> datetime.date:
    today = timezone.localdate()
    first_after_next = (today.replace(day=1) + datetime.timedelta(days=62)).replace(day=1)
    return first_after_next - datetime.timedelta(days=1)


class OpportunityForm(RecordForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    account = RecordChoiceField(Account, required=False, label=_("Account"))
    contact = RecordChoiceField(
        Contact,
        required=False,
        widget=RecordPicker(Contact, narrowed_by="account"),
        label=_("Primary contact"),
    )
    stage = StageChoiceField(queryset=Stage.objects.select_related("pipeline"))
    amount = forms.DecimalField(
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={"min_value": "An amount cannot be negative."},
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    currency = forms.CharField(max_length=3)
    probability = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label="Probability (%)",
        help_text="Empty: the stage's default.",
    )
    new_competitors = forms.CharField(
        required=False,
        max_length=300,
        label="Other competitors",
        help_text="Comma-separated names, added to the list.",
    )

    sections = (
        ("Deal", ("name", "account", "contact", "stage", "probability")),
        ("Value", ("amount", "currency", "close_date", "next_step")),
        ("Ownership", ("owner", "team")),
        ("Details", ("campaign", "source", "products", "competitors", "new_competitors",
                     "description")),
        ("Closing", ("close_reason", "close_note")),
    )  # fmt: skip

    class Meta:
        model = Opportunity
        fields = [
            "name", "account", "contact", "stage", "probability", "amount", "currency",
            "close_date", "next_step", "owner", "team", "campaign", "source", "products",
            "competitors", "description", "close_reason", "close_note",
        ]  # fmt: skip
        widgets = {
            "close_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "products": forms.SelectMultiple(attrs={"size": 5}),
            "competitors": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog import money
        from catalog.models import Currency, Product

        opp = self.instance
        default_stage = None if opp.pk else self._default_stage()  # creates the pipelines
        stages = Stage.objects.select_related("pipeline").filter(
            pipeline__active=True
        ) | Stage.objects.select_related("pipeline").filter(pk=opp.stage_id or 0)
        stages = stages.order_by("pipeline__position", "pipeline__name", "position")
        self.fields["stage"].queryset = stages
        self.fields["stage"].choices = grouped_stage_choices(stages)
        if opp.pk:
            self.fields["version"].required = True
            self.initial.setdefault("version", opp.version)
            if not opp.probability_overridden:
                self.initial["probability"] = None
        else:
            # (the instance's empty values are in ``initial`` already: fill, don't setdefault)
            defaults = {
                "stage": getattr(default_stage, "pk", None),
                "currency": money.base_currency(),
                "close_date": _end_of_next_month(),
            }
            for name, value in defaults.items():
                if not self.initial.get(name):
                    self.initial[name] = value
        codes = list(Currency.objects.filter(active=True).values_list("code", flat=True))
        if codes:
            codes = sorted(set(codes) | {money.base_currency()} | ({opp.currency} - {""}))
            self.fields["currency"] = forms.ChoiceField(choices=[(c, c) for c in codes])
        # One option per product: ORing with ``opp.products.all()`` joined the deal table and
        # listed a product once per deal using it (8,801 options, a save over 1,000 fields).
        in_use = Q(pk__in=opp.products.values("pk")) if opp.pk else Q(pk__in=[])
        self.fields["products"].queryset = Product.objects.filter(Q(active=True) | in_use)
        self.fields["products"].required = False
        self.fields["competitors"].queryset = Competitor.objects.all()
        self.fields["competitors"].required = False
        if "campaign" in self.fields:
            self.fields["campaign"].queryset = self.fields["campaign"].queryset.order_by("name")
        self.fields["close_reason"].help_text = "Required when the deal is lost."
        self.fields["probability"].widget.attrs["placeholder"] = "The stage's default"

    @staticmethod
    def _default_stage():
        return services.first_open_stage(services.default_pipeline())

    def clean_currency(self):
        try:
            return services.validate_currency(self.cleaned_data["currency"])
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["currency"]) from None

    def clean(self):
        data = super().clean()
        stage = data.get("stage")
        if stage and stage.kind == Stage.Kind.LOST and not data.get("close_reason"):
            self.add_error("close_reason", services.LOST_NEEDS_REASON)
        contact, account = data.get("contact"), data.get("account")
        if (
            contact
            and account
            and contact.account_id != account.pk
            and not contact.relations.filter(account=account).exists()
        ):
            self.add_error("contact", f"{contact} is not a contact of {account}.")
        return data

    def service_data(self) -> dict:
        """Model fields to save; new competitor names become competitors."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        typed = self.cleaned_data.get("new_competitors") or ""
        names = [n.strip()[:120] for n in typed.split(",")]
        extra = [Competitor.objects.get_or_create(name=n)[0] for n in dict.fromkeys(names) if n]
        if extra:
            data["competitors"] = list(data.get("competitors") or []) + extra
        return data


class CloseForm(forms.Form):
    """Won or lost, with the reason (required for lost) and a note."""

    won = forms.TypedChoiceField(
        choices=[("1", "Won"), ("0", "Lost")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    close_reason = forms.ChoiceField(
        choices=[("", "—")] + Opportunity.CloseReason.choices[1:], required=False, label="Reason"
    )
    close_note = forms.CharField(max_length=255, required=False, label="Note")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("won") is False and not data.get("close_reason"):
            self.add_error("close_reason", services.LOST_NEEDS_REASON)
        return data


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.all())
    version = forms.IntegerField(required=False, min_value=1)
    close_reason = forms.ChoiceField(
        choices=Opportunity.CloseReason.choices, required=False
    )  # a move into a lost stage may carry its reason


class BoardFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="Any")
    close_month = forms.CharField(
        required=False,
        label="Close month",
        widget=forms.DateInput(attrs={"type": "month"}),
        max_length=7,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, role__in=SALES_PEOPLE
        ).order_by("first_name", "last_name")
        self.fields["team"].queryset = Team.objects.filter(kind=Team.Kind.SALES)

    def clean_close_month(self):
        value = self.cleaned_data["close_month"].strip()
        if value and month_range(value) is None:
            raise forms.ValidationError("Use a month such as 2026-05.")
        return value

    def filters(self) -> dict:
        """Keyword arguments for ``selectors.build_board`` (invalid filters are ignored)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        month = month_range(data["close_month"]) if data.get("close_month") else None
        return {"owner": data.get("owner"), "team": data.get("team"), "month": month}


class OpportunityBulkEditForm(OwnerTeamBulkEditForm):
    close_date = forms.DateField(label="Expected close date", widget=DATE)
