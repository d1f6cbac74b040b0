"""Quotes: versions of an offer built from an opportunity, with lines and an approval."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.access import RecordQuerySet, SalesRecordPolicy
from core.models import OwnedRecord

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
MONEY = {"max_digits": 16, "decimal_places": 2}


class Quote(OwnedRecord):
    """One version of a quote. Revising a sent quote copies it into version n+1 (same
    ``number``); the earlier version is kept, read-only, as ``superseded``."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING_APPROVAL = "pending_approval", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Approval rejected"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        SUPERSEDED = "superseded", "Superseded by a new version"

    number = models.CharField(max_length=20, help_text="Shared by all versions, e.g. Q-000123")
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity", on_delete=models.PROTECT, related_name="quotes"
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        help_text="Receives the quote",
    )
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)
    price_book = models.ForeignKey(
        "catalog.PriceBook", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField()
    terms = models.TextField(blank=True)
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=PERCENT, help_text="Quote discount"
    )
    shipping = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    # totals, computed by the quote service from the lines (never typed in)
    subtotal = models.DecimalField(**MONEY, default=0, help_text="Lines after line discounts")
    discount_total = models.DecimalField(**MONEY, default=0)
    tax_total = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY, default=0)
    max_discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, help_text="Largest discount on the quote"
    )
    # approval
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_decided_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.TextField(blank=True)
    # the customer's side
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_email_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the worker e-mailed this version to the contact (set once, in the "
        "transaction that records the send: a retried task never e-mails twice)",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by_name = models.CharField(max_length=200, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    token_nonce = models.CharField(
        max_length=32, blank=True, help_text="Part of the signed public link; reset to revoke"
    )

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="quote_owner_idx"),
            models.Index(fields=["team", "status", "-created_at"], name="quote_team_idx"),
            models.Index(fields=["opportunity", "-version"], name="quote_opp_idx"),
            models.Index(fields=["status", "valid_until"], name="quote_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="unique_quote_version"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="quote_discount_range",
                violation_error_message="A discount must be between 0 and 100 %%.",
            ),
            models.CheckConstraint(condition=Q(shipping__gte=0), name="quote_shipping_positive"),
        ]

    def __str__(self):
        return f"{self.number} v{self.version}"

    def get_absolute_url(self):
        return reverse("sales:quote_detail", args=[self.pk])


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    configuration = models.JSONField(
        default=dict, blank=True, help_text="Chosen option values of a configured product"
    )
    description = models.TextField(help_text="What the customer reads on the quote")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    book_price = models.DecimalField(
        "price-book price",
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The price book's (or the configurator's) unit price when the line was "
        "priced (the unit price differs from it when the rep typed a negotiated price)",
    )
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=PERCENT
    )
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=PERCENT, help_text="%"
    )
    # computed per line, rounded half-up to the currency's minor unit
    net_amount = models.DecimalField(**MONEY, default=0)
    tax_amount = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="quoteline_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(book_price__gte=0), name="quoteline_book_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="quoteline_discount_range",
            ),
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def price_overridden(self) -> bool:
        """The rep typed a price other than the price book's."""
        return self.book_price is not None and self.unit_price != self.book_price


class QuoteApproval(models.Model):
    """Every approval request and decision, kept for the record."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="approvals")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.quote} {self.decision}"


class QuoteDocument(models.Model):
    """The rendered PDF of one quote version (kept in the database, so every web node and
    worker sees the same file)."""

    quote = models.OneToOneField(Quote, on_delete=models.CASCADE, related_name="document")
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now=True)
    checksum = models.CharField(max_length=64, help_text="Of the lines and totals it shows")

    def __str__(self):
        return f"PDF of {self.quote}"
