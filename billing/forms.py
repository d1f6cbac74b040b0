"""Forms of the ledger page's actions. They check the obvious (numbers, dates); the services
check everything again and their messages are shown on the same form."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from catalog import money
from catalog.models import Currency

from .models import Invoice
from .selectors import account_currencies

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0.01")}


def currency_field(initial: str):
    codes = list(Currency.objects.filter(active=True).values_list("code", flat=True))
    if initial and codes and initial not in codes:
        codes.append(initial)
    if codes:
        return forms.ChoiceField(choices=[(c, c) for c in sorted(codes)], initial=initial)
    return forms.CharField(max_length=3, min_length=3, initial=initial)


class LedgerForm(forms.Form):
    """Knows its account; ``apply_error`` puts a service's ValidationError on the form."""

    def __init__(self, *args, account, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def open_invoices(self):
        return Invoice.objects.filter(account=self.account, status=Invoice.Status.OPEN).order_by(
            "due_on", "id"
        )

    def currency_fields(self, invoice) -> None:
        """The currency: the invoice's, else the one the account's documents are in; a
        currency the account has never used needs a tick in ``confirm_currency`` (a payment
        in the wrong one shows as a stray balance of that currency)."""
        self.used_currencies = account_currencies(self.account)
        self.fields["currency"] = currency_field(
            invoice.currency if invoice else self.used_currencies[0]
        )
        sent = (self.data.get("currency") or "").strip().upper()[:3] if self.is_bound else ""
        if sent and sent not in self.used_currencies:
            self.fields["confirm_currency"] = forms.BooleanField(
                required=False,
                label=_("Yes, record it in %(currency)s") % {"currency": sent},
            )

    def clean(self):
        data = super().clean()
        currency, used = data.get("currency"), getattr(self, "used_currencies", None)
        if currency and used and currency not in used and not data.get("confirm_currency"):
            self.add_error(
                "currency",
                _(
                    "This account has never used %(currency)s (its documents are in "
                    "%(used)s). Tick the box below to record it in %(currency)s anyway."
                )
                % {"currency": currency, "used": ", ".join(used)},
            )
        return data

    def apply_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class InvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        due = formats.date_format(obj.due_on)
        return f"{obj.number} · due {due} · owes {money.display(obj.outstanding, obj.currency)}"


class PaymentForm(LedgerForm):
    invoice = InvoiceChoiceField(
        queryset=Invoice.objects.none(), required=False, empty_label="On account (no invoice)"
    )
    amount = forms.DecimalField(**AMOUNT)
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(
        required=False,
        choices=[("", "—"), ("bank transfer", "Bank transfer"), ("card", "Card"),
                 ("cash", "Cash"), ("cheque", "Cheque"), ("direct debit", "Direct debit")],
    )  # fmt: skip
    reference = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, account, invoice=None, **kwargs):
        super().__init__(*args, account=account, **kwargs)
        self.fields["invoice"].queryset = self.open_invoices()
        self.currency_fields(invoice)
        self.fields["currency"].help_text = _("Must be the invoice's currency when one is chosen.")
        self.order_fields(["invoice", "amount", "currency", "confirm_currency", "received_on",
                           "method", "reference"])  # fmt: skip
        self.initial.setdefault("received_on", timezone.localdate())
        if invoice is not None:
            self.initial.update(invoice=invoice.pk, amount=invoice.outstanding)


class CreditNoteForm(LedgerForm):
    invoice = InvoiceChoiceField(
        queryset=Invoice.objects.none(), required=False, empty_label="On account (no invoice)"
    )
    amount = forms.DecimalField(**AMOUNT)
    reason = forms.CharField(max_length=255)

    def __init__(self, *args, account, invoice=None, **kwargs):
        super().__init__(*args, account=account, **kwargs)
        self.fields["invoice"].queryset = self.open_invoices()
        self.currency_fields(invoice)
        self.order_fields(["invoice", "amount", "currency", "confirm_currency", "reason"])
        if invoice is not None:
            self.initial["invoice"] = invoice.pk


class ManualInvoiceForm(LedgerForm):
    description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    quantity = forms.DecimalField(**AMOUNT, initial=1)
    unit_price = forms.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal(0))
    tax_rate = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100),
        initial=0, label="Tax rate (%)",
    )  # fmt: skip
    issued_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    due_in_days = forms.IntegerField(min_value=0, max_value=365, initial=30, label="Due in (days)")

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, account=account, **kwargs)
        self.fields["currency"] = currency_field(account.currency)
        self.initial.setdefault("issued_on", timezone.localdate())
