"""Forms of the quote pages (the rules themselves are in the services; these parse input)."""

from decimal import Decimal

from django import forms

from accounts.models import Contact
from catalog.models import Product

from ..models import Quote

PICKER_SIZE = 50
PERCENT = {"min_value": Decimal(0), "max_value": Decimal(100), "max_digits": 5, "decimal_places": 2}


class AddLineForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(active=True),
        empty_label="Choose a product…",
        error_messages={"invalid_choice": "Choose an active product from the list."},
    )
    quantity = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=12, decimal_places=2, initial=1,
        error_messages={"min_value": "The quantity must be more than 0."},
    )  # fmt: skip
    discount_percent = forms.DecimalField(
        label="Discount %", required=False, initial=0, **PERCENT,
        error_messages={"max_value": "A discount cannot be more than 100 %%.",
                        "min_value": "A discount cannot be negative."},
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "add_%s")  # unique ids next to the header form's
        super().__init__(*args, **kwargs)
        # The select offers the first products by name (the search box above it fetches
        # others: ``quote_products``); any active product validates.
        shown = list(pickable_products()[:PICKER_SIZE])
        chosen = self.data.get("product") if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(str(p.pk) != chosen for p in shown):
            shown += list(Product.objects.filter(pk=int(chosen), active=True))
        field = self.fields["product"]
        field.widget.choices = [("", "Choose a product…")] + [(p.pk, str(p)) for p in shown]
        field.widget.attrs["data-product-select"] = ""


def pickable_products():
    """Products added as they are (configurable ones go through the configurator)."""
    return Product.objects.filter(active=True, is_configurable=False).order_by("name", "pk")


class LineForm(forms.Form):
    quantity = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
        error_messages={"min_value": "The quantity must be more than 0."},
    )  # fmt: skip
    discount_percent = forms.DecimalField(
        label="Discount %", required=False, **PERCENT,
        error_messages={"max_value": "A discount cannot be more than 100 %%.",
                        "min_value": "A discount cannot be negative."},
    )  # fmt: skip
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit_price = forms.DecimalField(
        label="Unit price", required=False, min_value=Decimal(0), max_digits=16,
        error_messages={"invalid": "The unit price must be a number.",
                        "min_value": "A price cannot be negative.",
                        "max_digits": "The unit price is too large."},
    )  # fmt: skip


class QuoteHeaderForm(forms.ModelForm):
    """Title, contact, validity, terms, the quote discount and shipping."""

    class Meta:
        model = Quote
        fields = ["title", "contact", "valid_until", "discount_percent", "shipping", "terms"]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "terms": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"discount_percent": "Quote discount %"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        quote = self.instance
        contacts = Contact.objects.filter(erased_at__isnull=True)
        if quote.account_id:
            contacts = contacts.filter(account_id=quote.account_id)
        elif quote.contact_id:
            contacts = contacts.filter(pk=quote.contact_id)
        else:
            contacts = contacts.none()
        self.fields["contact"].queryset = contacts.order_by("last_name", "first_name")
        self.fields["shipping"].min_value = Decimal(0)
        self.fields["discount_percent"].max_value = Decimal(100)
        self.fields["discount_percent"].min_value = Decimal(0)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptForm(forms.Form):
    name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Type your name to accept the quote."},
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Type your name to accept the quote.")
        return name


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
