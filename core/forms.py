"""Form bases shared by every app."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import search
from core.assignment import assignable_owners, assignable_teams
from users.models import Team, User

# Matches a record picker offers while typing (the endpoint never answers more).
PICK_ROWS = 20
_MAX_ID_DIGITS = 18  # a bigint id has at most 19 digits; 18 never overflows


def record_id(value) -> int | None:
    """``value`` (a query parameter, a posted field) as a record id, or None when it cannot be
    one: not digits, or too long for a bigint. The one check for ids that come from outside."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= _MAX_ID_DIGITS else None


def _record_ids(values) -> list[int]:
    return [pk for pk in map(record_id, values) if pk is not None]


def pickable(model, user):
    """The rows of ``model`` a record picker offers ``user`` and accepts from them: the search
    provider's ``pickable`` (visible to the user, not merged away), none without a provider."""
    provider = search.provider_for(model)
    queryset = provider.pickable(user) if provider is not None else None
    return queryset if queryset is not None else model.objects.none()


class RecordPicker(forms.Select):
    """A searchable select for a foreign key to a large table (accounts, contacts, …).

    The page holds only the chosen record's ``<option>``; Tom Select
    (``static/js/record_picker.js``) asks ``core:search_pick`` — the global search's provider
    for the model, filtered by what the user may read — for at most ``PICK_ROWS`` matches while
    typing. Keyboard and screen reader: a combobox with a listbox of options.
    """

    def __init__(self, model=None, attrs=None, *, narrowed_by: str = ""):
        super().__init__(attrs)
        self.model = model
        # The form field (named like the model's foreign key, in ``Provider.narrowed_by``)
        # whose value narrows the matches: the deal form's contacts of its account.
        self.narrowed_by = narrowed_by
        self.queryset = None  # set by limit_to(); a ModelChoiceField's own queryset otherwise

    def limit_to(self, user):
        self.queryset = pickable(self.model, user)

    def _rows(self):
        if self.queryset is not None:
            return self.queryset
        return getattr(self.choices, "queryset", None)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        provider = search.provider_for(self.model)
        context["widget"]["attrs"].update({
            "data-record-picker": provider.key if provider else "",
            "data-picker-url": reverse("core:search_pick", args=[provider.key]) if provider else "",
            "data-min-length": search.MIN_LENGTH,
            "data-placeholder": _("Type to search %(kind)s…") % {
                "kind": str(provider.label).lower() if provider else ""},
            "data-no-results": _("No matches you may choose"),
            "data-type-more": _("Type at least %(n)s characters") % {"n": search.MIN_LENGTH},
        })  # fmt: skip
        if self.narrowed_by:
            context["widget"]["attrs"]["data-picker-narrow"] = self.narrowed_by
        return context

    def optgroups(self, name, value, attrs=None):
        """The empty choice and the chosen record only: never a row per record of the table."""
        ids = _record_ids(value)
        options = [self.create_option(name, "", "", not ids, 0)]
        rows = self._rows()
        if ids and rows is not None:
            for index, obj in enumerate(rows.filter(pk__in=ids), start=1):
                options.append(self.create_option(name, obj.pk, str(obj), True, index))
        return [(None, options, 0)]


class RecordChoiceField(forms.ModelChoiceField):
    """A foreign key a person chooses among many records, with a ``RecordPicker``.

    It accepts nothing until ``limit_to(user)`` (``RecordForm`` does it): then exactly the rows
    the picker may offer that user, so a guessed id of a record they may not read is a form
    error, never a save.
    """

    default_error_messages = {
        "invalid_choice": _("Choose a record from the list: there is none with this id that you "
                            "may choose."),
    }  # fmt: skip

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("widget", RecordPicker(model))
        super().__init__(queryset=model.objects.none(), **kwargs)

    def limit_to(self, user):
        self.queryset = pickable(self.model, user)

    def to_python(self, value):
        if value not in self.empty_values and not _record_ids([value]):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


def limit_record_fields(form, user):
    """Limit every record picker of ``form`` to what ``user`` may choose."""
    for field in form.fields.values():
        if isinstance(field, RecordChoiceField):
            field.limit_to(user)
        elif isinstance(field.widget, RecordPicker):
            field.widget.limit_to(user)


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
        limit_record_fields(self, user)


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
