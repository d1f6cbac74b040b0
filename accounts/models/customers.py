"""The customer database: accounts (companies, households) and the people we deal with."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from core import search
from core.access import CustomerRecordPolicy, RecordQuerySet
from core.models import OwnedRecord
from core.validators import validate_web_url


def address_fields(prefix: str, label: str) -> dict:
    """Street address fields with a prefix (billing_, shipping_, mailing_), added to a model
    class body with ``locals().update(...)``."""
    return {
        f"{prefix}_street": models.CharField(f"{label} street", max_length=255, blank=True),
        f"{prefix}_city": models.CharField(f"{label} city", max_length=100, blank=True),
        f"{prefix}_postcode": models.CharField(f"{label} postcode", max_length=20, blank=True),
        f"{prefix}_region": models.CharField(f"{label} region", max_length=100, blank=True),
        f"{prefix}_country": models.CharField(f"{label} country", max_length=100, blank=True),
    }


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"


class Account(OwnedRecord):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        HOUSEHOLD = "household", "Household"

    class Tier(models.TextChoices):
        STRATEGIC = "strategic", "Strategic"
        KEY = "key", "Key"
        STANDARD = "standard", "Standard"
        SMALL = "small", "Small"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    industry = models.CharField(max_length=80, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    segment = models.CharField(max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    website = models.URLField(blank=True, validators=[validate_web_url])
    phone = models.CharField(max_length=40, blank=True)
    phone_alt = models.CharField("other phone", max_length=40, blank=True)
    email = models.EmailField(blank=True)
    locals().update(address_fields("billing", "Billing"))
    locals().update(address_fields("shipping", "Shipping"))
    annual_revenue = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "Revenue cannot be negative.")],
    )
    currency = models.CharField(max_length=3, default="EUR")
    employees = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    external_id = models.CharField(
        max_length=80, null=True, blank=True, unique=True, help_text="Id in the source system"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tags = TaggableManager(blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = RecordQuerySet.as_manager()
    access = CustomerRecordPolicy()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_idx"),
            # name__iexact (imports find an account by its name): UPPER(name) = UPPER(%s)
            models.Index(Upper("name"), name="account_name_upper_idx"),
            models.Index(fields=["owner", "name"], name="account_owner_idx"),
            models.Index(fields=["team", "name"], name="account_team_idx"),
            models.Index(fields=["parent"], name="account_parent_idx"),
            models.Index(Lower("email"), name="account_email_idx"),
            models.Index(fields=["billing_city", "name"], name="account_city_idx"),
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="account_name_trgm"),
            # global search (core.search): phone digits, LIKE '%digits%'
            GinIndex(
                OpClass(search.phone_digits("phone", "phone_alt"), name="gin_trgm_ops"),
                name="account_phone_trgm",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="account_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_revenue_not_negative",
                violation_error_message="Revenue cannot be negative.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:account_detail", args=[self.pk])

    @property
    def city(self):
        return self.billing_city

    @property
    def country(self):
        return self.billing_country


class Contact(OwnedRecord):
    salutation = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    title = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=100, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    other_accounts = models.ManyToManyField(
        Account, through="AccountContactRelation", related_name="related_contacts", blank=True
    )
    email = models.EmailField(blank=True, help_text="Primary e-mail")
    phone = models.CharField(max_length=40, blank=True, help_text="Primary phone")
    mobile = models.CharField(max_length=40, blank=True)
    locals().update(address_fields("mailing", "Mailing"))
    birthday = models.DateField(null=True, blank=True)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text="e.g. en, it, de")
    source = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    external_id = models.CharField(max_length=80, null=True, blank=True, unique=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="Personal data erased on request (GDPR art. 17)"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tags = TaggableManager(blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = RecordQuerySet.as_manager()
    access = CustomerRecordPolicy()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(fields=["owner", "last_name"], name="contact_owner_idx"),
            models.Index(fields=["team", "last_name"], name="contact_team_idx"),
            models.Index(fields=["account", "last_name"], name="contact_account_idx"),
            models.Index(Lower("email"), name="contact_email_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
            GinIndex(
                OpClass(Lower("last_name"), name="gin_trgm_ops"), name="contact_last_name_trgm"
            ),
            # global search (core.search): "first last" by trigram similarity; phone digits
            GinIndex(
                OpClass(search.full_name("first_name", "last_name"), name="gin_trgm_ops"),
                name="contact_fullname_trgm",
            ),
            GinIndex(
                OpClass(search.phone_digits("phone", "mobile"), name="gin_trgm_ops"),
                name="contact_phone_trgm",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("accounts:contact_detail", args=[self.pk])


class AccountContactRelation(models.Model):
    """A person who deals with more than one company (besides ``Contact.account``)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="relations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relations")
    role = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=80, null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "contact"], name="unique_account_contact")
        ]

    def __str__(self):
        return f"{self.contact} at {self.account}"


class ContactPoint(models.Model):
    """Further e-mails and phones of a contact; the primary ones live on ``Contact``."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)
    label = models.CharField(max_length=40, blank=True, help_text="work, home, mobile…")

    class Meta:
        indexes = [models.Index(Lower("value"), name="contactpoint_value_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind", "value"], name="unique_contact_point"
            )
        ]

    def __str__(self):
        return self.value


class Consent(models.Model):
    """Whether a contact may be reached on a channel, and how we know."""

    class Status(models.TextChoices):
        OPTED_IN = "opted_in", "Opted in"
        OPTED_OUT = "opted_out", "Opted out"

    class Method(models.TextChoices):
        FORM = "form", "Web form"
        IMPORT = "import", "Import"
        PHONE = "phone", "Phone call"
        EMAIL = "email", "E-mail reply"
        IN_PERSON = "in_person", "In person"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe link"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "channel"], name="unique_consent_channel")
        ]

    def __str__(self):
        return f"{self.contact}: {self.get_channel_display()} {self.get_status_display()}"
