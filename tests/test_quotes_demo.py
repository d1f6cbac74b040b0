"""The quotes' demo data: the demo rep's quotes in each everyday state, loaded once."""

import pytest
from django.core.management import call_command

from billing.models import Order
from sales.models import Quote, QuoteApproval
from sales.quotes.demo import DEMO_REP

pytestmark = pytest.mark.django_db


def test_demo_rep_has_quotes_in_every_state_and_a_second_load_adds_none():
    call_command("load_demo", verbosity=0)
    quotes = Quote.objects.filter(owner__username=DEMO_REP)
    assert sorted(quotes.values_list("status", flat=True)) == [
        "accepted", "draft", "pending_approval", "sent"
    ]  # fmt: skip
    assert all(q.lines.exists() and q.total > 0 for q in quotes)
    accepted = quotes.get(status="accepted")
    assert accepted.opportunity.status == "won"
    assert Order.objects.filter(quote=accepted).count() == 1
    assert QuoteApproval.objects.filter(quote__in=quotes, decision="pending").count() == 1
    assert quotes.filter(lines__configuration__has_key="size").exists()  # a configured line

    call_command("load_demo", verbosity=0)
    assert Quote.objects.filter(owner__username=DEMO_REP).count() == 4
    assert Order.objects.filter(quote__owner__username=DEMO_REP).count() == 1
