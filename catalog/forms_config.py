"""Forms of a configurable product's set-up: its options, their values and the rules."""

from django import forms
from django.core.exceptions import ValidationError

from .models import ConfigOption, ConfigRule, OptionValue, Product

SMALL = {"class": "form-control form-control-sm"}
CHECK = {"class": "form-check-input"}
SMALL_NUMBER = {"class": "form-control form-control-sm text-end", "step": "0.01"}


class OptionForm(forms.ModelForm):
    class Meta:
        model = ConfigOption
        fields = ["position", "code", "name", "multiple", "required"]
        widgets = {
            "position": forms.NumberInput(attrs={**SMALL, "min": "0", "style": "width:5rem"}),
            "code": forms.TextInput(attrs={**SMALL, "placeholder": "size"}),
            "name": forms.TextInput(attrs={**SMALL, "placeholder": "Size"}),
            "multiple": forms.CheckboxInput(attrs=CHECK),
            "required": forms.CheckboxInput(attrs=CHECK),
        }
        help_texts = {"multiple": "", "required": "", "code": ""}


class ValueForm(forms.ModelForm):
    class Meta:
        model = OptionValue
        fields = ["position", "code", "label", "price", "is_default"]
        widgets = {
            "position": forms.NumberInput(attrs={**SMALL, "min": "0", "style": "width:5rem"}),
            "code": forms.TextInput(attrs={**SMALL, "placeholder": "16"}),
            "label": forms.TextInput(attrs={**SMALL, "placeholder": "16″"}),
            "price": forms.NumberInput(attrs={**SMALL_NUMBER, "min": "0"}),
            "is_default": forms.CheckboxInput(attrs=CHECK),
        }
        help_texts = {"price": "", "code": ""}

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise ValidationError("A value's price cannot be negative.")
        return price


class _UniqueCodes(forms.BaseInlineFormSet):
    """Codes must be unique within the set (the database says so too, less kindly)."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("code")
            if code in seen:
                form.add_error("code", "This code is used twice.")
            seen.add(code)


class _ValueSet(_UniqueCodes):
    def clean(self):
        super().clean()
        if self.instance.multiple:
            return
        defaults = [
            f for f in self.forms
            if f.cleaned_data.get("is_default") and not f.cleaned_data.get("DELETE")
        ]  # fmt: skip
        if len(defaults) > 1:
            raise ValidationError(f"{self.instance.name} takes one value: mark one default only.")


OptionFormSet = forms.inlineformset_factory(
    Product, ConfigOption, form=OptionForm, formset=_UniqueCodes, extra=2, can_delete=True
)
ValueFormSet = forms.inlineformset_factory(
    ConfigOption, OptionValue, form=ValueForm, formset=_ValueSet, extra=3, can_delete=True
)


class _ListIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.objects) + (self.field.empty_label is not None)


class ValueChoiceField(forms.ModelChoiceField):
    """A product's option values, read once for the whole formset (not once per select)."""

    iterator = _ListIterator
    objects: list = []

    def label_from_instance(self, obj):
        return f"{obj.option.name}: {obj.label}"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        by_pk = {str(obj.pk): obj for obj in self.objects}
        if str(value) not in by_pk:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return by_pk[str(value)]

    def validate(self, value):
        forms.Field.validate(self, value)


class RuleForm(forms.ModelForm):
    when = ValueChoiceField(queryset=OptionValue.objects.none(), label="If")
    target = ValueChoiceField(
        queryset=OptionValue.objects.none(), required=False, label="Then (value)"
    )

    class Meta:
        model = ConfigRule
        fields = ["when", "effect", "target", "amount"]
        widgets = {"amount": forms.NumberInput(attrs={**SMALL_NUMBER})}
        labels = {"effect": "Then", "amount": "% or amount"}
        help_texts = {"amount": ""}

    def __init__(self, *args, values=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("when", "target"):
            self.fields[name].objects = values
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["effect"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        effect, when, target = data.get("effect"), data.get("when"), data.get("target")
        amount = data.get("amount")
        if effect in (ConfigRule.Effect.REQUIRES, ConfigRule.Effect.EXCLUDES):
            if target is None:
                self.add_error("target", "Choose the value this rule requires or excludes.")
            elif when is not None and target == when:
                self.add_error("target", "A value cannot require or exclude itself.")
            elif (
                effect == ConfigRule.Effect.REQUIRES
                and when is not None
                and target.option_id == when.option_id
                and not target.option.multiple
            ):
                self.add_error(
                    "target",
                    f"{target.option.name} takes one value: one of its values cannot require "
                    "another.",
                )
            data["amount"] = None
        elif effect in (ConfigRule.Effect.PRICE_PERCENT, ConfigRule.Effect.PRICE_AMOUNT):
            if amount is None:
                self.add_error("amount", "Enter the percentage or amount.")
            elif effect == ConfigRule.Effect.PRICE_PERCENT and amount < -100:
                self.add_error("amount", "A price cannot fall by more than 100 %.")
            data["target"] = None
        return data


class _RuleSet(forms.BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = list(
            OptionValue.objects.filter(option__product=self.instance)
            .select_related("option")
            .order_by("option__position", "option_id", "position", "id")
        )

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "values": self.values}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"),
            use_required_attribute=False, values=self.values,
        )  # fmt: skip
        self.add_fields(form, None)
        return form


RuleFormSet = forms.inlineformset_factory(
    Product, ConfigRule, form=RuleForm, formset=_RuleSet, extra=3, can_delete=True
)
