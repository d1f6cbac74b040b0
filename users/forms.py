from django import forms
from django.contrib.auth.password_validation import validate_password

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
                  "is_active", "is_away"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["role"].required = True
        if self.instance.pk:
            self.fields["teams"].initial = list(self.instance.teams.values_list("pk", flat=True))
            self.fields["password"].help_text = "Leave empty to keep the current password."

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
