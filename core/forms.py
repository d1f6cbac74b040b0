"""Form bases shared by every app."""

from django import forms

from users.models import MANAGER_ROLES, Team, User


class RecordForm(forms.ModelForm):
    """A model form that knows who is filling it in.

    Owner and team choices are limited to active users and, for non-managers, their own
    teams, so nobody hands a record to a team they cannot see into.
    """

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = User.objects.filter(is_active=True).exclude(role="")
        if "team" in self.fields and user is not None and user.role not in MANAGER_ROLES:
            current = getattr(self.instance, "team_id", None)
            allowed = set(user.team_ids) | ({current} if current else set())
            self.fields["team"].queryset = Team.objects.filter(pk__in=allowed)


class BulkEditForm(forms.Form):
    """Base for bulk edits: every field is optional; only the ones filled in are applied."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}


class OwnerTeamBulkEditForm(BulkEditForm):
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).exclude(role=""), label="Assign to"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), label="Move to team")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None and user.role not in MANAGER_ROLES:
            self.fields["team"].queryset = Team.objects.filter(pk__in=user.team_ids)
