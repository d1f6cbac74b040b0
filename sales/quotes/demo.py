"""Demo data for `make run` (called by core's load_demo, idempotent): a handful of quotes of
the demo rep ``anna.snelling`` on her open demo deals, one in each state a rep meets every
day: a draft, one waiting for her manager's approval (a discount above her limit), one sent
and one accepted (its deal won, its order created). Everything goes through the services
(numbers, totals, approval rows, timeline, notifications), as in real use.

Needs the catalog's and the pipeline's demo data; without them it says so and does nothing.
A second run adds nothing: quotes exist on her demo deals already.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.models import Contact
from catalog.models import Product

from ..models import Opportunity, Quote
from . import services, workflow

DEMO_REP = "anna.snelling"
CONFIGURATION = {"size": "16", "support": "business", "addons": ["dock"]}
# scenario, lines: (product index, quantity, discount %), quote discount %
PLAN = [
    ("draft", [(0, 2, 0), (1, 1, 5)], 0),
    ("pending_approval", [(1, 5, 15), (2, 2, 0)], 0),
    ("sent", [(0, 1, 0), ("configured", 1, 0)], 0),
    ("accepted", [(2, 3, 5), (0, 1, 0)], 3),
]


def load(*, users, accounts, stdout):
    rep = users.get(DEMO_REP)
    products = list(Product.objects.filter(active=True, is_configurable=False).order_by("sku")[:3])
    configurable = Product.objects.filter(active=True, is_configurable=True).order_by("sku").first()
    deals = list(
        Opportunity.objects.filter(
            owner=rep, status=Opportunity.Status.OPEN, account__isnull=False, currency="USD"
        ).order_by("external_id", "pk")[: len(PLAN)]
    )
    if rep is None or len(products) < 3 or len(deals) < len(PLAN):
        stdout.write("  quotes: skipped (the catalog's or the pipeline's demo data is missing)")
        return
    if Quote.objects.filter(opportunity__owner=rep).exists():
        stdout.write("  quotes: demo quotes exist already")
        return
    made = [_quote(rep, deal, scenario, lines, discount, products, configurable)
            for deal, (scenario, lines, discount) in zip(deals, PLAN, strict=True)]  # fmt: skip
    stdout.write(f"  quotes: {len([q for q in made if q])} demo quotes of {rep.username}")


def _quote(rep, deal, scenario, lines, discount, products, configurable):
    contact = (
        Contact.objects.filter(account_id=deal.account_id, erased_at__isnull=True)
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    quote = services.create_quote(opportunity=deal, by=rep)
    header = {"discount_percent": Decimal(discount)}
    if contact is not None:
        header["contact"] = contact
    services.update_quote(quote=quote, data=header, by=rep)
    for product, quantity, line_discount in lines:
        if product == "configured":
            if configurable is None:
                continue
            try:
                services.add_line(quote=quote, product=configurable, quantity=quantity,
                                  configuration=CONFIGURATION, by=rep)  # fmt: skip
            except ValidationError:
                continue  # the catalog's demo options changed: leave the line out
        else:
            services.add_line(quote=quote, product=products[product], quantity=quantity,
                              discount_percent=line_discount, by=rep)  # fmt: skip
    if scenario == "pending_approval":
        workflow.request_approval(quote=quote, by=rep)
    elif scenario in ("sent", "accepted") and contact is not None:
        workflow.send_quote(quote=quote, by=rep)
        if scenario == "accepted":
            name = f"{contact.first_name} {contact.last_name}".strip() or str(contact)
            workflow.accept_quote(quote=quote, name=name)
    return quote
