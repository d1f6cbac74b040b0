"""Forms of the assignment rules page."""

from __future__ import annotations

from django import forms

from users.models import Team

from ..models import AssignmentRule


class ListField(forms.CharField):
    """A comma- or line-separated list of words, stored as a list."""

    def __init__(self, *args, item_length: int = 80, **kwargs):
        self.item_length = item_length
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def clean(self, value):
        value = super().clean(value) or ""
        items, seen = [], set()
        for raw in value.replace("\n", ",").split(","):
            item = " ".join(raw.split())
            if item and item.lower() not in seen:
                if len(item) > self.item_length:
                    raise forms.ValidationError(
                        f"“{item[:20]}…” is longer than {self.item_length} characters."
                    )
                seen.add(item.lower())
                items.append(item)
        if len(items) > 200:
            raise forms.ValidationError("At most 200 entries.")
        return items


class AssignmentRuleForm(forms.ModelForm):
    countries = ListField(
        max_length=4000,
        label="Countries or regions",
        help_text="Comma-separated, e.g. Italy, Germany, Central. Empty: any.",
    )
    sources = ListField(
        max_length=2000, item_length=60, help_text="Comma-separated, e.g. Web form. Empty: any."
    )

    class Meta:
        model = AssignmentRule
        fields = ["name", "active", "countries", "sources", "products", "min_employees",
                  "max_employees", "team", "round_robin"]  # fmt: skip
        widgets = {"products": forms.SelectMultiple(attrs={"size": 5})}
        labels = {"min_employees": "Company size from", "max_employees": "Company size up to",
                  "round_robin": "Round-robin to the team's reps"}  # fmt: skip
        help_texts = {"products": "The lead is interested in any of these. Empty: any."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog.models import Product

        self.fields["team"].queryset = Team.objects.filter(kind=Team.Kind.SALES)
        self.fields["products"].queryset = Product.objects.filter(active=True).order_by("name")
        self.fields["products"].required = False

    def clean(self):
        data = super().clean()
        low, high = data.get("min_employees"), data.get("max_employees")
        if low is not None and high is not None and low > high:
            self.add_error("max_employees", "Must not be smaller than “from”.")
        return data
