"""The forecast's period picker and the quota forms."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from catalog import money
from catalog.models import Currency

from ..models import Quota
from .periods import DEFAULT_COUNT, KINDS, MAX_COUNT, MONTH, QUARTER, current, is_start, periods

PERIOD_CHOICES = [(QUARTER, "Quarter"), (MONTH, "Month")]


class MonthField(forms.CharField):
    """``YYYY-MM`` (an ``<input type="month">``) → the month's first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(f"{value[:7]}-01")
        except ValueError as exc:
            raise forms.ValidationError("Give a month as YYYY-MM, e.g. 2026-01.") from exc


class ForecastForm(forms.Form):
    """Which periods: month or quarter, from which one, how many. Missing values take the
    defaults (this quarter and the next two, or this month and the next five)."""

    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False)
    start = MonthField(required=False, label="From")
    count = forms.TypedChoiceField(
        coerce=int, required=False, label="Periods", choices=[(n, n) for n in range(1, 13)]
    )

    def clean(self):
        data = super().clean()
        kind = data.get("period") or QUARTER
        data["period"] = kind
        data["start"] = data.get("start") or current(kind).start
        data["count"] = min(data.get("count") or DEFAULT_COUNT[kind], MAX_COUNT)
        return data

    def periods(self):
        d = self.cleaned_data
        return periods(d["period"], d["start"], d["count"])


def currency_choices():
    base = money.base_currency()
    codes = [
        base,
        *Currency.objects.filter(active=True).exclude(code=base).values_list("code", flat=True),
    ]  # noqa: E501
    return [(c, c) for c in codes]


class QuotaForm(forms.ModelForm):
    """A quota for one rep and period. ``people`` are the reps the user may set quotas for."""

    currency = forms.ChoiceField(choices=())

    class Meta:
        model = Quota
        fields = ["user", "period", "start", "amount", "currency"]
        labels = {"user": "Rep", "start": "Starts on"}
        widgets = {"start": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "start": "The first day of the month, or of the quarter (1 Jan, 1 Apr, 1 Jul, 1 Oct)"
        }  # noqa: E501
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": "This rep already has a quota for that period. "
                "Change it in the grid instead of adding a second one.",
            },
            "amount": {
                "invalid": "Enter the amount as a number, e.g. 50000 or 50000.00.",
                "min_value": "A quota cannot be negative.",
            },
        }

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["user"].queryset = people
        self.fields["currency"].choices = currency_choices()
        self.fields["currency"].initial = money.base_currency()
        self.fields["amount"].widget.attrs.update(min="0", step="0.01")

    def clean_currency(self):
        code = self.cleaned_data["currency"]
        try:
            money.rate(code)
        except money.MissingRate as exc:
            raise forms.ValidationError(exc.messages) from exc
        return code

    def clean(self):
        data = super().clean()
        start, kind = data.get("start"), data.get("period")
        if start and kind in KINDS and not is_start(start, kind):
            what = "a quarter (1 Jan, 1 Apr, 1 Jul or 1 Oct)" if kind == QUARTER else "a month"
            self.add_error("start", f"A {kind}ly quota starts on the first day of {what}.")
        return data


class QuotaCellForm(forms.Form):
    """One cell of the quota grid: set (or, left empty, remove) a rep's quota."""

    user = forms.IntegerField()
    period = forms.ChoiceField(choices=PERIOD_CHOICES)
    start = forms.DateField()
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "invalid": "Enter a number, e.g. 50000.",
            "min_value": "A quota cannot be negative.",
        },
    )

    def clean(self):
        data = super().clean()
        start, kind = data.get("start"), data.get("period")
        if start and kind and not is_start(start, kind):
            self.add_error("start", f"Not the first day of a {kind}.")
        return data
