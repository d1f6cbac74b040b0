"""The billing pages render what they should, and their query counts do not grow with
their rows (the ledger page of an account with 5 or 60 documents, the order and invoice
lists, their CSV exports, the account page with its ledger panel)."""

import itertools
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services

from .api_helpers import client_for
from .factories import OrderFactory, make_invoice

FEW, MANY = 5, 30
# The most queries each page may run (session, user, teams, the page's own): the project's
# budget file, as for every other page (tests/test_query_budgets.py).
BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"][:200] for q in ctx.captured_queries]


def make_ledger_rows(org, account, start, n):
    """Invoices in two currencies, half paid in part, some overdue, a credit note each 5th,
    orders of the rep and their team (every link of the page is exercised)."""
    currencies = itertools.cycle(["EUR", "USD"])
    for i in range(start, start + n):
        inv = make_invoice(account, f"{100 + i}.00", currency=next(currencies), ago=i % 50)
        if i % 2:
            services.payment_record(account=account, invoice=inv, amount="10.00", by=org.admin)
        if i % 5 == 0:
            services.credit_note_create(account=account, invoice=inv, amount="5.00",
                                        reason="Goodwill", by=org.admin)  # fmt: skip
        OrderFactory(account=account, owner=[org.rep, None][i % 2], team=org.team)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "role"),
    [("billing:account_ledger", "sales_manager"), ("billing:account_ledger", "sales_rep"),
     ("billing:order_list", "sales_rep"), ("billing:order_list", "admin"),
     ("billing:invoice_list", "sales_rep"), ("billing:invoice_list", "support_manager"),
     ("billing:invoice_list?overdue=true", "sales_manager"),
     ("billing:order_list?export=csv", "sales_manager"),
     ("billing:invoice_list?export=csv", "sales_rep")],
)  # fmt: skip
def test_query_count_does_not_grow_with_rows(org, records, url_name, role):
    name, _, query = url_name.partition("?")
    account = records.account
    url = reverse(name, args=[account.pk] if name == "billing:account_ledger" else [])
    url += f"?{query}" if query else ""
    client = client_for(org.by_role()[role])
    make_ledger_rows(org, account, 0, FEW)
    client.get(url)
    few, few_sql = count(client, url)
    make_ledger_rows(org, account, FEW, MANY - FEW)
    many, many_sql = count(client, url)
    assert few == many, "\n".join(["FEW:", *few_sql, "MANY:", *many_sql])
    assert many <= BUDGETS[name], "\n".join(many_sql)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["billing:order_detail", "billing:invoice_detail"])
def test_detail_pages_query_count(org, records, url_name):
    order = OrderFactory(account=records.account, owner=org.rep, team=org.team)
    invoice = services.invoice_from_order(order, org.admin)
    target = order if url_name == "billing:order_detail" else invoice
    client = client_for(org.sales_manager)
    url = reverse(url_name, args=[target.pk])
    client.get(url)
    few, _ = count(client, url)
    for _ in range(10):
        services.payment_record(account=records.account, invoice=invoice, amount="1.00",
                                by=org.admin)  # fmt: skip
    many, sql = count(client, url)
    assert few == many and many <= BUDGETS[url_name], "\n".join(sql)


@pytest.mark.django_db
def test_ledger_page_shows_documents_links_and_actions(org, records):
    account = records.account
    late = make_invoice(account, "300.00", ago=45)
    order = OrderFactory(account=account, owner=org.rep, team=org.team)
    services.credit_note_create(account=account, invoice=late, amount="20.00",
                                reason="<b>Damaged</b>", by=org.admin)  # fmt: skip
    url = reverse("billing:account_ledger", args=[account.pk])
    manager = client_for(org.sales_manager).get(url).content.decode()
    assert late.get_absolute_url() in manager
    assert "&lt;b&gt;Damaged&lt;/b&gt;" in manager and "<b>Damaged</b>" not in manager
    assert reverse("billing:payment_add", args=[account.pk]) in manager
    assert reverse("billing:order_invoice", args=[order.pk]) in manager  # orders to invoice
    assert 'data-balance="EUR">280.00' in manager
    rep = client_for(org.rep).get(url).content.decode()
    assert late.get_absolute_url() in rep
    assert reverse("billing:payment_add", args=[account.pk]) not in rep  # reads only
    # invoice page: overdue badge and the outstanding amount
    detail = client_for(org.rep).get(late.get_absolute_url()).content.decode()
    assert 'data-overdue="15"' in detail and "280.00 EUR" in detail


@pytest.mark.django_db
def test_account_page_query_count_with_the_ledger_panel(org, records):
    """The panel and the key figure share one summary query; more documents, same count."""
    account = records.account
    client = client_for(org.rep)
    url = account.get_absolute_url()
    make_ledger_rows(org, account, 0, 2)
    client.get(url)
    few, _ = count(client, url)
    make_ledger_rows(org, account, 2, 20)
    many, sql = count(client, url)
    assert few == many, "\n".join(sql)
    html = client.get(url).content.decode()
    assert 'data-figure="balance_due"' in html and "EUR" in html


@pytest.mark.django_db
def test_order_search_by_number(org, records):
    order = OrderFactory(account=records.account, owner=org.rep, team=org.team,
                         number="SO-000042")  # fmt: skip
    OrderFactory(account=records.other_account, owner=org.other_rep, team=org.other_team,
                 number="SO-000043")  # fmt: skip
    client = client_for(org.rep)
    for query in ("SO-000042", "so-42", "SO-42"):
        found = client.get(reverse("core:search") + f"?q={query}").content.decode()
        assert order.get_absolute_url() in found, query
    theirs = client.get(reverse("core:search") + "?q=SO-000043").content.decode()
    assert reverse("billing:order_detail", args=[order.pk + 1]) not in theirs
    # a word is not an order number: the provider costs no query then
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("core:search") + "?q=acme")
    assert not [q for q in ctx.captured_queries if "billing_order" in q["sql"]]
