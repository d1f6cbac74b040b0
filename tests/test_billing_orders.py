"""Orders from accepted quotes: one order per quote (twice, concurrently), lines copied,
numbers allocated, the timeline entry; the order pages and who may see them."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import TimelineEntry
from billing.models import Order
from billing.services import order_from_quote
from sales.models import Quote, QuoteLine

from .factories import OpportunityFactory, ProductFactory


def make_quote(*, owner, team, account=None, lines=2, currency="USD"):
    """A quote row built directly (the quote services are written in parallel)."""
    opp = OpportunityFactory(owner=owner, team=team, **({"account": account} if account else {}))
    quote = Quote.objects.create(
        number=f"Q-{opp.pk:06d}",
        opportunity=opp,
        account=None,  # the order takes the opportunity's account then
        currency=currency,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        owner=owner,
        team=team,
        status=Quote.Status.ACCEPTED,
    )
    total = Decimal(0)
    for i in range(lines):
        product = ProductFactory()
        net, tax = Decimal("150.00") * (i + 1), Decimal("30.00") * (i + 1)
        QuoteLine.objects.create(
            quote=quote, position=i, product=product, description=f"Line {i}",
            quantity=i + 1, unit_price=Decimal("150.00"), net_amount=net, tax_amount=tax,
        )  # fmt: skip
        total += net + tax
    quote.subtotal, quote.tax_total, quote.total = total, total, total
    quote.save()
    return quote


@pytest.mark.django_db
def test_order_from_quote_is_idempotent(org):
    quote = make_quote(owner=org.rep, team=org.team)
    first = order_from_quote(quote=quote, by=org.rep)
    second = order_from_quote(quote=quote, by=org.rep)
    assert first.pk == second.pk
    assert Order.objects.filter(quote=quote).count() == 1
    assert first.number.startswith("SO-") and len(first.number) == 9
    assert first.account_id == quote.opportunity.account_id
    assert (first.owner, first.team, first.currency) == (org.rep, org.team, "USD")
    assert first.total == quote.total == Decimal("540.00")
    lines = list(first.lines.order_by("position"))
    assert [(ln.description, ln.quantity, ln.net_amount, ln.tax_amount) for ln in lines] == [
        ("Line 0", Decimal("1.00"), Decimal("150.00"), Decimal("30.00")),
        ("Line 1", Decimal("2.00"), Decimal("300.00"), Decimal("60.00")),
    ]
    assert lines[0].sku == lines[0].product.sku
    entries = TimelineEntry.objects.filter(kind="order", account=first.account)
    assert entries.count() == 1
    assert entries.get().access_kind == TimelineEntry.Access.SALES


@pytest.mark.django_db(transaction=True)
def test_order_from_quote_concurrent_calls_create_one_order(org):
    quote = make_quote(owner=org.rep, team=org.team)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def accept():
        try:
            barrier.wait()
            results.append(order_from_quote(quote=quote, by=org.rep).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert Order.objects.filter(quote=quote).count() == 1


@pytest.mark.django_db
def test_order_numbers_are_unique_and_increasing(org):
    orders = [order_from_quote(quote=make_quote(owner=org.rep, team=org.team, lines=1), by=None)
              for _ in range(3)]  # fmt: skip
    numbers = [o.number for o in orders]
    assert len(set(numbers)) == 3 and numbers == sorted(numbers)
