"""Form bases shared by every app."""

from django import forms

from core.assignment import assignable_owners, assignable_teams
from users.models import Team, User


class RecordForm(forms.ModelForm):
    """A model form that knows who is filling it in.

    Owner and team choices follow ``core.assignment``: nobody hands a record to a team or a
    person outside their reach. A form with ``sections`` is shown in titled cards
    (``generic/_form_sections.html``); ``wide_fields`` take the whole width.
    """

    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    wide_fields = frozenset({"description", "tags", "name"})

    def field_sections(self):
        return [(title, [self[name] for name in names if name in self.fields])
                for title, names in self.sections]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            current = getattr(self.instance, "owner_id", None)
            self.fields["owner"].queryset = assignable_owners(user, current)
        if "team" in self.fields:
            current = getattr(self.instance, "team_id", None)
            self.fields["team"].queryset = assignable_teams(user, current)


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
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Assign to")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Move to team")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)
        self.fields["team"].queryset = assignable_teams(user)
