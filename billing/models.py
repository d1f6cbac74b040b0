"""Orders, invoices, payments and credit notes: the account ledger.

Every invoice, payment and credit note writes one ``LedgerEntry`` (debit or credit) in the
transaction that creates it; the running balance is a window sum over an account's entries,
per currency (amounts in different currencies are never added up).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.access import RecordQuerySet, SalesRecordPolicy
from core.models import OwnedRecord, TimeStamped

from .access import LedgerPolicy

MONEY = {"max_digits": 16, "decimal_places": 2}


class Order(OwnedRecord):
    """What the customer bought: created when a quote is accepted (one order per quote)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="orders")
    opportunity = models.ForeignKey(
        "sales.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    quote = models.OneToOneField(
        "sales.Quote", null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    ordered_on = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY, default=0)

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()

    class Meta:
        ordering = ["-ordered_on", "-id"]
        indexes = [
            models.Index(fields=["account", "-ordered_on"], name="order_account_idx"),
            models.Index(fields=["owner", "-ordered_on"], name="order_owner_idx"),
            models.Index(fields=["team", "-ordered_on"], name="order_team_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:order_detail", args=[self.pk])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(max_length=40, blank=True)
    description = models.TextField()
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["order", "position", "id"]

    def __str__(self):
        return self.description[:60]


class Invoice(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=30, unique=True)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    issued_on = models.DateField()
    due_on = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY, default=0)
    credited_amount = models.DecimalField(
        **MONEY, default=0, help_text="Credit notes issued against this invoice"
    )
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. retail:536365")

    objects = RecordQuerySet.as_manager()
    access = LedgerPolicy()

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["account", "-issued_on"], name="invoice_account_idx"),
            models.Index(fields=["due_on"], name="invoice_overdue_idx", condition=Q(status="open")),
            models.Index(
                fields=["account", "currency", "due_on"],
                name="invoice_account_open_idx",
                condition=Q(status="open"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("issued_on")), name="due_after_issue"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(credited_amount__gte=0),
                name="invoice_settled_not_negative",
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="invoice_external_id"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def outstanding(self):
        """What is still owed: total less payments and credit notes against it."""
        return self.total - self.paid_amount - self.credited_amount

    def get_absolute_url(self):
        return reverse("billing:invoice_detail", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["invoice", "position", "id"]
        indexes = [models.Index(fields=["sku"], name="invoiceline_sku_idx")]

    def __str__(self):
        return self.description[:60]


class Payment(TimeStamped):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="payments"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=100, blank=True)

    objects = RecordQuerySet.as_manager()
    access = LedgerPolicy()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self):
        return f"{self.amount} {self.currency} on {self.received_on}"


class CreditNote(TimeStamped):
    """A credit to the customer: against an invoice (it reduces what the invoice owes) or on
    account. Imported cancellations keep their lines."""

    number = models.CharField(max_length=30, unique=True)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    issued_on = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    objects = RecordQuerySet.as_manager()
    access = LedgerPolicy()

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["account", "-issued_on"], name="creditnote_account_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_positive"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="creditnote_external_id"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:credit_note_detail", args=[self.pk])


class CreditNoteLine(models.Model):
    """What was returned or cancelled (imported purchase history keeps its returns per
    product); quantities are positive, the note credits their net amount."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    sku = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The original invoice of this product, when it was found",
    )

    class Meta:
        ordering = ["credit_note", "position", "id"]

    def __str__(self):
        return self.description[:60]


class LedgerEntry(models.Model):
    """One debit (invoice) or credit (payment, credit note) on an account, in its currency."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        PAYMENT = "payment", "Payment"
        CREDIT_NOTE = "credit_note", "Credit note"

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="ledger_entries"
    )
    booked_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    debit = models.DecimalField(**MONEY, default=0)
    credit = models.DecimalField(**MONEY, default=0)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="entry"
    )
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="entry"
    )
    description = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RecordQuerySet.as_manager()
    access = LedgerPolicy()

    class Meta:
        ordering = ["account", "booked_on", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["account", "currency", "booked_on", "id"], name="ledger_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gte=0) & Q(credit__gte=0)), name="ledger_amounts_positive"
            ),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(kind="invoice"), name="one_entry_per_invoice"
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.kind} {self.debit or -self.credit} {self.currency}"
