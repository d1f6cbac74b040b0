"""Forms for activities: the full form, the quick-log form on customer pages, the bulk edit
and the list filters."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import RecordFilterSet, RecordIdFilter
from core.forms import BulkEditForm, RecordChoiceField, RecordForm
from users.models import User

from .models import Account, Activity, Contact

# Kinds that record something that already happened: logged as done unless told otherwise.
LOGGED_KINDS = {Activity.Kind.CALL, Activity.Kind.NOTE, Activity.Kind.EMAIL}
# Kinds that are things to do (My day, the calendar's open items).
TODO_KINDS = (Activity.Kind.TASK, Activity.Kind.MEETING, Activity.Kind.CALL)
MAX_DURATION = 24 * 60


def assignable_users():
    return User.objects.filter(is_active=True).exclude(role="")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-and-time picker (also on phones)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class WallClockDateTimeField(forms.DateTimeField):
    """A time as the person's clock shows it, in the CRM's time zone. Django's field refuses the
    hour the clocks change ("may be ambiguous or may not exist"), which a person logging a call
    at 02:30 that night could not correct: 02:30 on the night they go back is taken as the first
    02:30; on the night they go forward, as the instant an unchanged clock would call 02:30
    (03:30 on the new time)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "ambiguous_timezone":
                raise
        naive = BaseTemporalField.to_python(self, value)
        return timezone.make_aware(naive)


class _ActivityFields(forms.ModelForm):
    """What the full and the quick form share: sane widgets and the cross-field checks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "starts_at" in self.fields:
            model_field = self.fields["starts_at"]
            self.fields["starts_at"] = WallClockDateTimeField(
                required=model_field.required,
                label=model_field.label,
                help_text=model_field.help_text,
                widget=DateTimeLocalInput(),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            )
        if "duration_minutes" in self.fields:
            self.fields["duration_minutes"].max_value = MAX_DURATION
            self.fields["duration_minutes"].widget.attrs.update(min=0, max=MAX_DURATION, step=5)
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = assignable_users()
        if "body" in self.fields:
            self.fields["body"].widget.attrs["rows"] = 3

    def clean_duration_minutes(self):
        value = self.cleaned_data.get("duration_minutes")
        if value is not None and value > MAX_DURATION:
            raise forms.ValidationError("At most 24 hours (1440 minutes).")
        return value

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Activity.Kind.MEETING and not data.get("starts_at"):
            self.add_error("starts_at", "A meeting needs a date and time.")
        contact, account = data.get("contact"), data.get("account")
        if contact is not None and account is None and contact.account_id:
            data["account"] = contact.account
        return data


class ActivityForm(_ActivityFields, RecordForm):
    account = RecordChoiceField(Account, required=False, label=_("Account"))
    contact = RecordChoiceField(Contact, required=False, label=_("Contact"))

    class Meta:
        model = Activity
        fields = [
            "kind", "subject", "starts_at", "duration_minutes", "assigned_to", "team",
            "account", "contact", "body", "outcome", "done",
        ]  # fmt: skip
        labels = {"starts_at": "When / due", "duration_minutes": "Duration (minutes)"}


class QuickLogForm(_ActivityFields):
    """The quick form on account and contact pages. Account and contact are hidden fields."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.all(), required=False, widget=forms.HiddenInput
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.select_related("account"),
        required=False,
        widget=forms.HiddenInput,
    )
    kind = forms.ChoiceField(
        choices=Activity.Kind.choices, initial=Activity.Kind.CALL, widget=forms.RadioSelect
    )

    class Meta:
        model = Activity
        fields = [
            "kind", "subject", "starts_at", "duration_minutes", "body", "outcome", "done",
            "assigned_to", "account", "contact",
        ]  # fmt: skip
        labels = {
            "starts_at": "When / due",
            "duration_minutes": "Minutes",
            "body": "Notes",
            "done": "Done",
            "assigned_to": "Assigned to",
        }

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        kwargs.setdefault("auto_id", "ql-%s")  # unique on a customer page with other forms
        super().__init__(*args, **kwargs)
        kind = (self.data.get("kind") if self.is_bound else None) or self.initial.get("kind")
        if kind == Activity.Kind.TASK:
            self.fields["starts_at"].label = "Due"
        elif kind in LOGGED_KINDS:
            self.fields["starts_at"].label = "When"
        self.fields["starts_at"].help_text = ""
        self.fields["assigned_to"].empty_label = "Nobody"
        self.fields["subject"].widget.attrs["placeholder"] = "What was it about?"
        self.fields["outcome"].widget.attrs["placeholder"] = "e.g. interested, call back"

    def clean(self):
        data = super().clean()
        if not data.get("account") and not data.get("contact") and not self.has_error("account"):
            raise forms.ValidationError("Log the activity on an account or a contact.")
        return data

    @classmethod
    def initial_for(cls, *, kind: str, user, account=None, contact=None) -> dict:
        kind = kind if kind in Activity.Kind.values else Activity.Kind.CALL
        initial = {
            "kind": kind,
            "done": kind in LOGGED_KINDS,
            "assigned_to": user.pk,
            "account": getattr(account, "pk", None),
            "contact": getattr(contact, "pk", None),
        }
        if kind in LOGGED_KINDS:
            initial["starts_at"] = timezone.localtime().replace(second=0, microsecond=0)
        return initial


class ActivityBulkEditForm(BulkEditForm):
    assigned_to = forms.ModelChoiceField(queryset=User.objects.none(), label="Assign to")
    done = forms.TypedChoiceField(
        label="Status",
        choices=[("", "Leave as is"), ("1", "Mark done"), ("0", "Mark not done")],
        coerce=lambda v: v == "1",
        empty_value=None,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["assigned_to"].queryset = assignable_users()


class ActivityFilterSet(RecordFilterSet):
    search_fields = ("subject",)
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, empty_label="Any")
    done = django_filters.BooleanFilter(
        widget=forms.Select(choices=[("", "Any"), ("false", "Open"), ("true", "Done")]),
        label="Status",
    )
    assigned_to = django_filters.ModelChoiceFilter(
        queryset=assignable_users(), label="Assigned to", empty_label="Anyone"
    )
    due_from = django_filters.DateFilter(
        method="filter_due_from", label="When from", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = django_filters.DateFilter(
        method="filter_due_to", label="When to", widget=forms.DateInput(attrs={"type": "date"})
    )
    account = RecordIdFilter(Account, field_name="account_id", label=_("Account"))
    contact = RecordIdFilter(Contact, field_name="contact_id", label=_("Contact"))

    class Meta:
        model = Activity
        fields = ["q", "kind", "done", "assigned_to", "due_from", "due_to", "account", "contact"]

    # Whole local days, as a range on the indexed column (no per-row date conversion).
    def filter_due_from(self, queryset, name, value):
        return queryset.filter(starts_at__gte=start_of_day(value))

    def filter_due_to(self, queryset, name, value):
        return queryset.filter(starts_at__lt=start_of_day(value + timedelta(days=1)))


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
