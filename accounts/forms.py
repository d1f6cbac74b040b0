"""Forms of the account and contact pages. Writes go through ``accounts.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from core.forms import OwnerTeamBulkEditForm, RecordChoiceField, RecordForm
from core.validators import validate_web_url
from users.models import MANAGER_ROLES

from . import services
from .models import Account, Channel, Consent, Contact, ContactPoint

ADDRESS = ("street", "postcode", "city", "region", "country")


def _address(prefix):
    return [f"{prefix}_{part}" for part in ADDRESS]


class SectionedForm(RecordForm):
    """A record form shown in titled sections; on create it warns about possible duplicates
    and asks for "create anyway" before saving one."""

    create_anyway = forms.BooleanField(
        required=False, label="None of these is the same — create anyway"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = []
        if self.instance.pk:
            del self.fields["create_anyway"]

    def find_duplicates(self, data) -> list:
        return []

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not self.errors:
            self.duplicates = self.find_duplicates(data)
            if self.duplicates and not data.get("create_anyway"):
                raise forms.ValidationError(
                    "This looks like a record we already have. Open it instead, or tick "
                    "“create anyway”.",
                    code="duplicate",
                )
        return data

    def service_data(self) -> tuple[dict, list | None]:
        """The model fields to save and the tags (None: leave them as they are)."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        tags = data.pop("tags", None)
        return data, tags


class AccountForm(SectionedForm):
    wide_fields = SectionedForm.wide_fields | {"billing_street", "shipping_street"}
    website = forms.URLField(required=False, assume_scheme="https", validators=[validate_web_url])
    parent = RecordChoiceField(Account, required=False, label=_("Parent account"))
    tags = TagField(required=False, help_text="Comma-separated")

    sections = (
        ("Identity", ("name", "kind", "parent", "website", "description")),
        ("Contact details", ("phone", "phone_alt", "email")),
        ("Billing address", tuple(_address("billing"))),
        ("Shipping address", tuple(_address("shipping"))),
        (
            "Classification",
            (
                "industry",
                "tier",
                "segment",
                "annual_revenue",
                "currency",
                "employees",
                "source",
                "tags",
            ),
        ),  # fmt: skip
        ("Ownership", ("owner", "team")),
    )

    class Meta:
        model = Account
        fields = [
            "name", "kind", "parent", "website", "description", "phone", "phone_alt", "email",
            *_address("billing"), *_address("shipping"), "industry", "tier", "segment",
            "annual_revenue", "currency", "employees", "source", "tags", "owner", "team",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk:
            from .hierarchy import descendant_ids

            if parent.pk == self.instance.pk or parent.pk in descendant_ids(self.instance.pk):
                raise forms.ValidationError("An account cannot sit under itself or its children.")
        return parent

    def find_duplicates(self, data):
        return services.duplicate_accounts(
            name=data.get("name") or "", email=data.get("email") or "",
            website=data.get("website") or "",
        )  # fmt: skip


class ContactForm(SectionedForm):
    wide_fields = SectionedForm.wide_fields | {"mailing_street"}
    account = RecordChoiceField(Account, required=False, label=_("Account"))
    tags = TagField(required=False, help_text="Comma-separated")

    sections = (
        (
            "Identity",
            ("salutation", "first_name", "last_name", "title", "department", "account", "birthday"),
        ),  # fmt: skip
        ("Contact details", ("email", "phone", "mobile", "preferred_channel", "language")),
        ("Mailing address", tuple(_address("mailing"))),
        ("Classification", ("source", "tags", "description")),
        ("Ownership", ("owner", "team")),
    )

    class Meta:
        model = Contact
        fields = [
            "salutation", "first_name", "last_name", "title", "department", "account",
            "birthday", "email", "phone", "mobile", "preferred_channel", "language",
            *_address("mailing"), "source", "tags", "description", "owner", "team",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def find_duplicates(self, data):
        return services.duplicate_contacts(
            email=data.get("email") or "", phone=data.get("phone") or "",
            first_name=data.get("first_name") or "", last_name=data.get("last_name") or "",
            account=data.get("account"),
        )  # fmt: skip


class CustomerBulkEditForm(OwnerTeamBulkEditForm):
    """Assign owner / team and add tags to the selected rows."""

    add_tags = TagField(label="Add tags", help_text="Comma-separated; existing tags stay")


_SELECT = {"class": "form-select form-select-sm"}


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, widget=forms.Select(attrs=_SELECT))
    status = forms.ChoiceField(choices=Consent.Status.choices, widget=forms.Select(attrs=_SELECT))
    method = forms.ChoiceField(
        choices=Consent.Method.choices, label="How", widget=forms.Select(attrs=_SELECT)
    )
    note = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "consent-%s")
        super().__init__(*args, **kwargs)


class MergeForm(forms.Form):
    other = forms.IntegerField(min_value=1, max_value=2**63 - 1, label="Id of the other record")
    keep = forms.ChoiceField(choices=(("this", "this one"), ("other", "the other one")))


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(required=True)


def is_privacy_officer(user) -> bool:
    """Export and erasure of a person's data: managers and administrators only."""
    return bool(getattr(user, "is_authenticated", False) and user.role in MANAGER_ROLES)


class ContactPointForm(forms.Form):
    """A further e-mail or phone of a contact."""

    kind = forms.ChoiceField(choices=ContactPoint.Kind.choices, widget=forms.Select(attrs=_SELECT))
    value = forms.CharField(
        max_length=254, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )
    label = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "work, home…"}
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "point-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        value = (data.get("value") or "").strip()
        if data.get("kind") == ContactPoint.Kind.EMAIL and value:
            from django.core.validators import validate_email

            try:
                validate_email(value)
            except forms.ValidationError:
                self.add_error("value", "Enter a valid e-mail address.")
        elif (
            data.get("kind") == ContactPoint.Kind.PHONE
            and value
            and sum(ch.isdigit() for ch in value) < 5
        ):
            self.add_error("value", "Enter a phone number.")
        return data
