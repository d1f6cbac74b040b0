"""The small parts of the sales benchmark data set: quotas, assignment rules, products and the
200-line quote (the bulk — opportunities, history, leads — is in ``sales/scale_data.py``)."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.models import Account, Contact
from accounts.scale_vocabulary import COMPANY_WORDS
from catalog.models import Currency, Product
from sales.models import AssignmentRule, Opportunity, Quota, Quote, QuoteLine, Stage

from .scale_names import FAMILIES, MARKER, PIPELINE_NAME, PRODUCT_SKU, QUARTERS, QUOTE_NUMBER, RULES


class ExtrasMixin:
    """Methods of ``SalesScaleData`` (uses its ``reps``, ``teams``, ``rng``, ``today``)."""

    # -- quotas, rules, products, the 200-line quote -------------------------------------------
    def extras(self, quote_lines: int):
        self.quotas()
        for position, (name, countries, sources, min_employees, team) in enumerate(RULES):
            AssignmentRule.objects.get_or_create(
                name=f"Bench: {name}",
                defaults={"position": position, "countries": countries, "sources": sources,
                          "min_employees": min_employees, "team": self.teams[team - 1]},
            )  # fmt: skip
        products = self.products()
        if quote_lines and not Quote.objects.filter(number=QUOTE_NUMBER).exists():
            self.quote(products, quote_lines)

    def quotas(self):
        won = (
            Opportunity.objects.filter(
                external_id__startswith=MARKER, status=Stage.Kind.WON
            ).aggregate(s=models.Sum("amount"))["s"]
            or 0
        )
        per_quarter = max(Decimal(10_000), Decimal(won) / len(self.reps) / 12)
        quarter = (self.today.month - 1) // 3
        starts = []
        for q in range(quarter - 4, quarter - 4 + QUARTERS):
            year, index = self.today.year + q // 4, q % 4
            starts.append(dt.date(year, index * 3 + 1, 1))
        Quota.objects.bulk_create(
            [
                Quota(user_id=rep, period=Quota.Period.QUARTER, start=start,
                      currency=settings.CRM_BASE_CURRENCY,
                      amount=(per_quarter * Decimal(self.rng.uniform(0.8, 1.25)) / 1000).quantize(
                          Decimal(1)) * 1000)
                for rep in self.reps
                for start in starts
            ],
            ignore_conflicts=True,
        )  # fmt: skip

    def products(self) -> list[Product]:
        base = settings.CRM_BASE_CURRENCY
        Currency.objects.get_or_create(code=base, defaults={"name": base})
        existing = set(
            Product.objects.filter(sku__startswith="BENCH-").values_list("sku", flat=True)
        )
        rng = random.Random(7)
        Product.objects.bulk_create(
            Product(sku=PRODUCT_SKU.format(i), currency_id=base, family=FAMILIES[i % 5],
                    name=f"{rng.choice(COMPANY_WORDS)} {FAMILIES[i % 5].lower()} {i:03}",
                    unit_price=Decimal(rng.randrange(20, 20_000)),
                    tax_rate=Decimal(rng.choice([0, 10, 20, 22])))
            for i in range(1, 41)
            if PRODUCT_SKU.format(i) not in existing
        )  # fmt: skip
        return list(Product.objects.filter(sku__startswith="BENCH-").order_by("sku"))

    def quote(self, products, n_lines: int):
        deal = (
            Opportunity.objects.filter(
                external_id__startswith=MARKER, pipeline__name=PIPELINE_NAME, status="open"
            )
            .exclude(owner=None)
            .exclude(account=None)
            .order_by("id")
            .first()
        )
        if deal is None:
            return
        contact = Contact.objects.filter(account_id=deal.account_id).order_by("id").first()
        quote = Quote.objects.create(
            number=QUOTE_NUMBER, opportunity=deal, account_id=deal.account_id, contact=contact,
            owner_id=deal.owner_id, team_id=deal.team_id, currency=settings.CRM_BASE_CURRENCY,
            title=f"Proposal for {Account.objects.get(pk=deal.account_id).name}",
            valid_until=self.today + dt.timedelta(days=30), token_nonce=secrets.token_hex(8),
            terms="Payment 30 days net. Prices exclude shipping.",
        )  # fmt: skip
        rng = random.Random(200)
        lines = []
        for i in range(n_lines):
            product = products[i % len(products)]
            text = product.name
            if i % 7 == 0:
                text += "\nIncludes installation, configuration and a two-hour hand-over."
            lines.append(
                QuoteLine(quote=quote, position=i + 1, product=product, description=text,
                          quantity=Decimal(rng.randint(1, 50)), unit_price=product.unit_price,
                          discount_percent=Decimal(rng.choice([0, 0, 0, 5, 10])),
                          tax_rate=product.tax_rate)
            )  # fmt: skip
        try:
            from sales.quotes import totals
        except ImportError:  # the quote totals are left to the quote service
            QuoteLine.objects.bulk_create(lines)
            return
        figures = totals.for_quote(quote, lines)
        for line, amounts in zip(lines, figures.lines, strict=True):
            line.net_amount, line.tax_amount = amounts.net, amounts.tax
        QuoteLine.objects.bulk_create(lines)
        for name in ("subtotal", "discount_total", "tax_total", "total", "max_discount_percent"):
            setattr(quote, name, getattr(figures, name))
        quote.save()
