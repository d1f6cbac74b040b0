"""Who sees and posts to the ledger (``billing.access``), through the pages, the account
panel and the API; orders follow the sales-record rules. CSRF on every POST; bad form input
re-renders the form (400) and writes nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import CreditNote, Invoice, LedgerEntry, Payment

from .api_helpers import API, client_for, json_error
from .factories import OrderFactory, make_invoice

ROLES = ["admin", "sales_manager", "sales_rep", "marketing", "support_agent", "support_manager"]


@pytest.fixture
def ledger(org, records):
    """Our account (the rep's) with an overdue invoice and an order; theirs with one."""
    ours = records.account
    late = make_invoice(ours, "500.00", ago=40, terms=30)
    order = OrderFactory(account=ours, owner=org.rep, team=org.team)
    theirs = make_invoice(records.other_account, "70.00")
    other_order = OrderFactory(account=records.other_account, owner=org.other_rep,
                               team=org.other_team)  # fmt: skip
    return {"late": late, "order": order, "theirs": theirs, "other_order": other_order}


def as_role(org, role) -> Client:
    return client_for(org.by_role()[role])


# fmt: off
PAGES = [
    # url                                       admin sa_mgr rep  mkt  agent su_mgr
    ("billing:account_ledger {account}",         200, 200,  200, 403, 403,  200),
    ("billing:account_ledger {other_account}",   200, 200,  403, 403, 403,  200),
    ("billing:payment_add {account}",            200, 200,  403, 403, 403,  403),
    ("billing:credit_note_add {account}",        200, 200,  403, 403, 403,  403),
    ("billing:invoice_add {account}",            200, 200,  403, 403, 403,  403),
    ("billing:invoice_list",                     200, 200,  200, 403, 403,  200),
    ("billing:invoice_detail {late}",            200, 200,  200, 404, 404,  200),
    ("billing:invoice_detail {theirs}",          200, 200,  404, 404, 404,  200),
    ("billing:order_list",                       200, 200,  200, 403, 403,  403),
    ("billing:order_detail {order}",             200, 200,  200, 404, 404,  404),
    ("billing:order_detail {other_order}",       200, 404,  404, 404, 404,  404),
]
# fmt: on


@pytest.mark.django_db
@pytest.mark.parametrize("row", PAGES, ids=[r[0] for r in PAGES])
def test_page_access_matrix(org, records, ledger, row):
    name, *expected = row
    url_name, _, arg = name.partition(" ")
    ids = {"account": records.account.pk, "other_account": records.other_account.pk,
           **{k: v.pk for k, v in ledger.items()}}  # fmt: skip
    url = reverse(url_name, args=[arg.format(**ids)] if arg else [])
    for role, status in zip(ROLES, expected, strict=True):
        assert as_role(org, role).get(url).status_code == status, (role, url)
    assert Client().get(url).status_code == 302  # anonymous: to the login page


@pytest.mark.django_db
def test_account_panel_by_role(org, records, ledger):
    url = records.account.get_absolute_url()
    rep = as_role(org, "sales_rep").get(url).content.decode()
    assert 'data-testid="ledger-panel"' in rep and 'data-panel-balance="EUR"' in rep
    assert ledger["order"].number in rep and "500.00 EUR" in rep
    agent = as_role(org, "support_agent").get(url).content.decode()
    assert 'data-panel-overdue="EUR"' in agent and "1 overdue invoice" in agent
    assert "500.00" not in agent and "data-panel-balance" not in agent  # no amounts
    marketing = as_role(org, "marketing").get(url).content.decode()
    assert "ledger-panel" not in marketing
    other = as_role(org, "sales_rep").get(records.other_account.get_absolute_url())
    assert "ledger-panel" not in other.content.decode()  # not the rep's account


@pytest.mark.django_db
def test_posting_a_payment_through_the_page(org, records, ledger):
    late, url = ledger["late"], reverse("billing:payment_add", args=[records.account.pk])
    data = {"invoice": late.pk, "amount": "200.00", "currency": "EUR",
            "received_on": "2020-01-01", "method": "card", "reference": "R-1"}  # fmt: skip
    # CSRF is checked
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.sales_manager)
    assert strict.post(url, data).status_code == 403
    # a rep may read the ledger but not post to it
    assert as_role(org, "sales_rep").post(url, data).status_code == 403

    manager = as_role(org, "sales_manager")
    for bad in ({"amount": "-5"}, {"amount": "abc"}, {"amount": "600.00"},
                {"currency": "USD"}, {"received_on": "2999-01-01"}):  # fmt: skip
        response = manager.post(url, {**data, **bad})
        assert response.status_code == 400, bad
        assert "invalid-feedback" in response.content.decode() or "alert-danger" in (
            response.content.decode()
        )
    assert not Payment.objects.exists()
    response = manager.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:account_ledger", args=[records.account.pk])
    late.refresh_from_db()
    assert late.paid_amount == Decimal("200.00") and late.status == "open"
    assert LedgerEntry.objects.filter(kind="payment", account=records.account).count() == 1


@pytest.mark.django_db
def test_invoicing_an_order_from_its_page(org, records, ledger):
    order, url = ledger["order"], reverse("billing:order_invoice", args=[ledger["order"].pk])
    assert as_role(org, "sales_rep").post(url).status_code == 403  # reads, may not post
    assert as_role(org, "marketing").post(url).status_code == 404
    manager = client_for(org.sales_manager)
    response = manager.post(url, {"due_in_days": "14"})
    invoice = Invoice.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    assert invoice.total == order.total and (invoice.due_on - invoice.issued_on).days == 14
    again = manager.post(url, follow=True)
    assert "already invoiced" in again.content.decode()
    assert Invoice.objects.filter(order=order).count() == 1
    # the other team's order: 404 for this manager
    other = reverse("billing:order_invoice", args=[ledger["other_order"].pk])
    assert manager.post(other).status_code == 404


# -- API ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_api_access(org, records, ledger):
    json_error(client_for(org.marketing).get(f"{API}/invoices/"), 403)
    json_error(client_for(org.marketing).get(f"{API}/orders/"), 403)
    json_error(client_for(org.agent).get(f"{API}/payments/"), 403)
    rep = client_for(org.rep)
    assert {r["id"] for r in rep.get(f"{API}/invoices/").json()["results"]} == {ledger["late"].pk}
    json_error(rep.get(f"{API}/invoices/{ledger['theirs'].pk}/"), 404)
    json_error(rep.get(f"{API}/orders/{ledger['other_order'].pk}/"), 404)
    json_error(client_for(org.other_rep).get(f"{API}/orders/{ledger['order'].pk}/"), 404)
    assert rep.get(f"{API}/orders/{ledger['order'].pk}/").json()["lines"][0]["description"]
    body = {"account": records.account.pk, "invoice": ledger["late"].pk, "amount": "10.00"}
    json_error(rep.post(f"{API}/payments/", body, content_type="application/json"), 403)
    json_error(rep.get(f"{API}/ledger/?account={records.other_account.pk}"), 403)
    json_error(client_for(org.marketing).get(f"{API}/ledger/?account={records.account.pk}"), 403)
    # a manager of another team reads every ledger (sales managers see all) and posts to it
    other_manager = client_for(org.other_manager)
    created = other_manager.post(f"{API}/payments/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "10.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"amount": "-1"}, {"amount": "abc"}, {"amount": "NaN"}, {"amount": 1e400},
     {"amount": "10.001"}, {"amount": "9" * 30}, {"amount": None}, {"amount": [1]},
     {"amount": "10", "invoice": 999_999}, {"amount": "10", "invoice": "x"},
     {"amount": "10", "currency": "US"}, {"amount": "10", "currency": "USD"},
     {"amount": "10", "received_on": "yesterday"}, {"amount": "10", "received_on": "2999-01-01"},
     {"amount": "501"}, {"account": None, "amount": "10"}, {"account": 10**30, "amount": "1"}],
)  # fmt: skip
def test_api_payment_input_errors_are_4xx_json(org, records, ledger, body):
    payload = {"account": records.account.pk, "invoice": ledger["late"].pk, **body}
    response = client_for(org.admin).post(f"{API}/payments/", payload,
                                          content_type="application/json")  # fmt: skip
    json_error(response, 400)
    assert not Payment.objects.exists() and not LedgerEntry.objects.filter(kind="payment")


@pytest.mark.django_db
def test_api_invoices_credit_notes_and_ledger(org, records, ledger):
    admin = client_for(org.admin)
    created = admin.post(f"{API}/invoices/", {"order": ledger["order"].pk, "due_in_days": 10},
                         content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["total"] == "1200.00" and created.json()["lines"]
    manual = admin.post(f"{API}/invoices/", {
        "account": records.account.pk, "currency": "USD",
        "lines": [{"description": "Setup", "quantity": "2", "unit_price": "40.00",
                   "tax_rate": "10"}],
    }, content_type="application/json")  # fmt: skip
    assert manual.status_code == 201 and manual.json()["total"] == "88.00"
    for bad in ({"account": records.account.pk}, {"order": ledger["order"].pk, "currency": "X"},
                {"order": ledger["other_order"].pk + 1000},
                {"account": records.account.pk, "currency": "USD", "lines": []},
                {"account": records.account.pk, "currency": "USD",
                 "lines": [{"description": "x", "unit_price": "-1"}]},
                {"order": ledger["order"].pk}):  # already invoiced  # fmt: skip
        json_error(admin.post(f"{API}/invoices/", bad, content_type="application/json"), 400)
    note = admin.post(f"{API}/credit-notes/", {
        "account": records.account.pk, "invoice": ledger["late"].pk, "amount": "50.00",
        "reason": "Goodwill"}, content_type="application/json")  # fmt: skip
    assert note.status_code == 201 and CreditNote.objects.get().number.startswith("CN-")

    body = admin.get(f"{API}/ledger/?account={records.account.pk}").json()
    totals = {t["currency"]: t for t in body["totals"]}
    assert totals["EUR"]["balance"] == "1650.00"  # 500 + 1200 - 50
    assert totals["EUR"]["overdue_count"] == 1 and totals["EUR"]["overdue_amount"] == "450.00"
    assert totals["USD"]["balance"] == "88.00"
    assert body["results"][0]["balance"] in ("88.00", "1650.00")
    usd = admin.get(f"{API}/ledger/?account={records.account.pk}&currency=USD").json()
    assert [r["balance"] for r in usd["results"]] == ["88.00"] and usd["next"] is None
    for query in ("", "?account=abc", "?account=1&bogus=1", f"?account={10**30}"):
        json_error(admin.get(f"{API}/ledger/{query}"), 400)
    json_error(admin.get(f"{API}/ledger/?account=999999"), 404)
    json_error(admin.get(f"{API}/ledger/?account={records.account.pk}&page=0"), 404)
