"""What we sell: currencies with exchange rates, products, price books and configurable
products (options, values and the rules between them)."""

from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from core.access import RecordQuerySet
from core.models import TimeStamped

from .access import CatalogPolicy

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
MONEY = {"max_digits": 16, "decimal_places": 2}
CODE = RegexValidator(r"^[A-Z]{3}$", "Use the three-letter ISO code, e.g. EUR.")


class Currency(models.Model):
    code = models.CharField(max_length=3, primary_key=True, validators=[CODE])
    name = models.CharField(max_length=60)
    symbol = models.CharField(max_length=5, blank=True)
    minor_units = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(4)], help_text="Decimals: 2 for EUR, 0 for JPY"
    )
    active = models.BooleanField(default=True)

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("catalog:currency_detail", args=[self.pk])


class ExchangeRate(models.Model):
    """How many units of ``currency`` one unit of the base currency
    (``settings.CRM_BASE_CURRENCY``) buys, from ``valid_from`` on."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="rates")
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    valid_from = models.DateField()

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="unique_rate_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self):
        return f"{self.currency_id} {self.rate} from {self.valid_from}"


class Product(TimeStamped):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    family = models.CharField(max_length=80, blank=True)
    description = models.TextField(blank=True)
    unit_price = models.DecimalField(
        **MONEY, validators=[MinValueValidator(0)], help_text="List price"
    )
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=PERCENT, help_text="%"
    )
    active = models.BooleanField(default=True)
    is_configurable = models.BooleanField(
        default=False, help_text="Sold through the configurator (options and rules)"
    )

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["family", "name"], name="product_family_idx"),
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="product_name_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="product_price_not_negative",
                violation_error_message="A price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="product_tax_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self):
        return reverse("catalog:product_detail", args=[self.pk])


class PriceBook(TimeStamped):
    class Kind(models.TextChoices):
        LIST = "list", "List prices"
        PARTNER = "partner", "Partner prices"
        REGIONAL = "regional", "Regional prices"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LIST)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=80, blank=True)
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_price_book"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:pricebook_detail", args=[self.pk])


class PriceBookEntry(models.Model):
    price_book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    unit_price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["price_book", "product__name"]
        verbose_name_plural = "price book entries"
        constraints = [
            models.UniqueConstraint(fields=["price_book", "product"], name="unique_book_product"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="entry_price_positive"),
        ]

    def __str__(self):
        return f"{self.product} in {self.price_book}: {self.unit_price}"


class ConfigOption(models.Model):
    """One choice of a configurable product: e.g. Size (pick one) or Add-ons (pick any)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    multiple = models.BooleanField(default=False, help_text="Several values may be chosen")
    required = models.BooleanField(default=True, help_text="A value must be chosen")

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="unique_option_code")
        ]

    def __str__(self):
        return self.name


class OptionValue(models.Model):
    option = models.ForeignKey(ConfigOption, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    price = models.DecimalField(
        **MONEY, default=0, help_text="Added to the product's price when chosen"
    )
    position = models.PositiveIntegerField(default=0)
    is_default = models.BooleanField(default=False)

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["option", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "code"], name="unique_option_value_code")
        ]

    def __str__(self):
        return self.label


class ConfigRule(models.Model):
    """If ``when`` is chosen, then ``target`` is required / excluded, or the price changes
    by a percentage or an amount. Evaluated by ``catalog.configurator`` only."""

    class Effect(models.TextChoices):
        REQUIRES = "requires", "requires"
        EXCLUDES = "excludes", "excludes"
        PRICE_PERCENT = "price_percent", "changes the price by %"
        PRICE_AMOUNT = "price_amount", "changes the price by an amount"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules")
    when = models.ForeignKey(OptionValue, on_delete=models.CASCADE, related_name="+")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    target = models.ForeignKey(
        OptionValue, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Percent or amount for price rules"
    )

    objects = RecordQuerySet.as_manager()
    access = CatalogPolicy()

    class Meta:
        ordering = ["product", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(effect__in=["requires", "excludes"], target__isnull=False)
                    | Q(effect__in=["price_percent", "price_amount"], amount__isnull=False)
                ),
                name="rule_complete",
                violation_error_message="A requires/excludes rule needs a target value; "
                "a price rule needs an amount.",
            )
        ]

    def __str__(self):
        target = self.target or f"{self.amount}"
        return f"{self.when} {self.get_effect_display()} {target}"
