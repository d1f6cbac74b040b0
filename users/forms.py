from decimal import Decimal

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import RecordForm

from .models import Team, User


class UserForm(RecordForm):
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave empty to e-mail the person a link to choose their own password.",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "title", "phone",
                  "discount_limit", "is_active", "is_away"]  # fmt: skip
        labels = {"discount_limit": _("Discount limit (%)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["role"].required = True
        limit = self.fields["discount_limit"]  # what a quote may give without approval
        limit.validators += [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
        limit.widget.attrs.update(min=0, max=100, step="0.5")
        limit.required = False  # left empty: the current limit (10 % for a new user)
        if self.instance.pk:
            self.fields["teams"].initial = list(self.instance.teams.values_list("pk", flat=True))
            self.fields["password"].help_text = "Leave empty to keep the current password."

    def clean_discount_limit(self):
        limit = self.cleaned_data.get("discount_limit")
        return self.instance.discount_limit if limit is None else limit

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            validate_password(password, self.instance)
        return password


class TeamForm(RecordForm):
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).exclude(role=""),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Team
        fields = ["name", "kind", "region", "manager", "members"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(is_active=True).exclude(role="")
