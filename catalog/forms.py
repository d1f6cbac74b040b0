"""Forms of the catalogue: products, price books and their entries, currencies and rates."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.forms import BulkEditForm, RecordForm

from . import money
from .models import Currency, ExchangeRate, PriceBook, PriceBookEntry, Product

MONEY_INPUT = {"step": "0.01", "min": "0", "inputmode": "decimal"}


class ProductForm(RecordForm):
    class Meta:
        model = Product
        fields = ["sku", "name", "family", "unit_price", "currency", "tax_rate", "active",
                  "is_configurable", "description"]  # fmt: skip
        widgets = {
            "unit_price": forms.NumberInput(attrs=MONEY_INPUT),
            "tax_rate": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = getattr(self.instance, "currency_id", None)
        self.fields["currency"].queryset = Currency.objects.filter(Q(active=True) | Q(code=current))
        if not self.instance.pk and not self.initial.get("currency"):
            self.initial["currency"] = money.base_currency()

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip().upper()
        clash = Product.objects.filter(sku__iexact=sku).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Another product already has this SKU.")
        return sku


class PriceBookForm(RecordForm):
    class Meta:
        model = PriceBook
        fields = ["name", "kind", "currency", "region", "is_default", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].queryset = Currency.objects.all()
        self.fields["is_default"].help_text = (
            "Quotes use the default price book unless another is chosen; making this one the "
            "default takes the mark from the current one."
        )

    def clean(self):
        data = super().clean()
        if data.get("is_default") and not data.get("active", True):
            self.add_error("active", "The default price book must be active.")
        return data

    def _get_validation_exclusions(self):
        # "One default" is kept by the save (``services.price_book_save`` moves the mark), so
        # the model's constraint must not refuse the form first.
        return {*super()._get_validation_exclusions(), "is_default"}


class UpperCaseField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


class CurrencyForm(RecordForm):
    code = UpperCaseField(max_length=3, help_text="The three-letter ISO 4217 code, e.g. EUR.")

    class Meta:
        model = Currency
        fields = ["code", "name", "symbol", "minor_units", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "The code of a currency in use cannot change."

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not self.instance.pk and Currency.objects.filter(code=code).exists():
            raise ValidationError(f"{code} exists already.")
        return code

    def clean(self):
        data = super().clean()
        code = self.instance.pk or data.get("code")
        if code == money.base_currency() and data.get("active") is False:
            self.add_error("active", "The base currency cannot be deactivated.")
        return data


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["rate", "valid_from"]
        widgets = {
            "rate": forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"rate": "Rate (units per 1 base currency unit)"}

    def __init__(self, *args, currency, **kwargs):
        self.currency = currency
        super().__init__(*args, **kwargs)
        self.instance.currency = currency
        if not self.instance.pk:
            self.initial.setdefault("valid_from", timezone.localdate())
        self.fields[
            "rate"
        ].help_text = f"How many {currency.code} one {money.base_currency()} buys; must be above 0."

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate is not None and rate <= 0:
            raise ValidationError("A rate must be greater than 0.")
        return rate

    def clean(self):
        data = super().clean()
        if self.currency.code == money.base_currency():
            raise ValidationError(
                f"{self.currency.code} is the base currency: its rate is always 1."
            )
        day = data.get("valid_from")
        clash = ExchangeRate.objects.filter(currency=self.currency, valid_from=day)
        if day and clash.exclude(pk=self.instance.pk).exists():
            self.add_error("valid_from", "There is a rate for this day already; change that one.")
        return data

    def validate_unique(self):
        pass  # checked in clean() with a clearer message


class PriceEntryForm(forms.ModelForm):
    """One row of a price book's price table."""

    class Meta:
        model = PriceBookEntry
        fields = ["unit_price"]
        widgets = {"unit_price": forms.NumberInput(attrs={**MONEY_INPUT, "class": "text-end"})}


PriceEntryFormSet = forms.modelformset_factory(
    PriceBookEntry, form=PriceEntryForm, extra=0, can_delete=True
)


class AddEntryForm(forms.Form):
    """Add a product to a price book (price empty: the list price, converted)."""

    product = forms.ModelChoiceField(queryset=Product.objects.none())
    unit_price = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, label="Price",
        help_text="Empty: the product's list price in the book's currency.",
        widget=forms.NumberInput(attrs=MONEY_INPUT),
    )  # fmt: skip

    def __init__(self, *args, price_book, **kwargs):
        self.price_book = price_book
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(active=True).exclude(
            prices__price_book=price_book
        )

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if product is not None and data.get("unit_price") is None:
            try:
                data["unit_price"] = money.convert(
                    product.unit_price, product.currency_id, self.price_book.currency_id
                )
            except money.MissingRate as exc:
                self.add_error("unit_price", exc)
        return data


class ProductBulkEditForm(BulkEditForm):
    family = forms.CharField(max_length=80)
    tax_rate = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                  label="Tax rate (%)")  # fmt: skip
    active = forms.TypedChoiceField(
        choices=[("", "—"), ("true", "Active"), ("false", "Inactive")],
        coerce=lambda v: v == "true", empty_value=None, label="Status",
    )  # fmt: skip
