"""The quotes API (``/api/v1/quotes/``): the same services, rules and access as the pages,
JSON errors with a 4xx status and nothing half-saved."""

from decimal import Decimal as D

import pytest

from sales.models import Quote, QuoteDocument, QuoteLine
from sales.quotes import pdf, services

from .api_helpers import API, client_for, json_error, send
from .factories import CurrencyFactory, OpportunityFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(currency=CurrencyFactory(code="USD"), unit_price=D("80.00"))


@pytest.fixture
def quote(org, product):
    return QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 2, 0)])


def snapshot(quote):
    quote.refresh_from_db()
    lines = list(QuoteLine.objects.filter(quote=quote).values_list("quantity", "discount_percent"))
    return (quote.status, quote.total, quote.discount_percent, lines)


def test_build_a_quote_through_the_api(org, records, product):
    opp = OpportunityFactory(
        owner=org.rep, team=org.team, account=records.account, contact=records.contact
    )
    c = client_for(org.rep)

    created = send(c, "post", f"{API}/quotes/", {"opportunity": opp.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["status"], body["currency"]) == (1, "draft", "USD")
    url = f"{API}/quotes/{body['id']}/"

    added = send(
        c,
        "post",
        url + "lines/",
        {"product": product.pk, "quantity": "3", "discount_percent": "10"},
    )
    assert added.status_code == 201, added.content
    line = added.json()["lines"][0]
    assert (line["quantity"], line["unit_price"], line["amount"]) == ("3.00", "80.00", "216.00")
    totals = added.json()["totals"]
    assert totals["subtotal"] == "216.00" and totals["total"] == "259.20"  # + 20 % tax
    assert "half-up" in totals["rounding"]

    changed = send(c, "patch", url, {"discount_percent": "5", "shipping": "10"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["total"] == "256.24"  # 216 ×0.95 = 205.20, tax 41.04, +10

    retrieved = c.get(url).json()
    assert retrieved["lines"][0]["net_amount"] == "205.20"
    listed = c.get(f"{API}/quotes/").json()["results"]
    assert [q["id"] for q in listed] == [body["id"]] and "lines" not in listed[0]

    line_url = f"{url}lines/{line['id']}/"
    assert send(c, "patch", line_url, {"quantity": "1"}).json()["subtotal"] == "72.00"
    assert send(c, "delete", line_url).json()["lines"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": "1", "discount_percent": "150"}, "discount_percent"),
        ({"quantity": "-3"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": "1", "discount_percent": "x"}, "discount_percent"),
        ({"quantity": "1e40"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": "1", "product": 999999}, "product"),
        ({"quantity": "1", "configuration": "size=16"}, "configuration"),
    ],
)
def test_bad_line_input_is_a_400_and_nothing_is_saved(org, quote, product, body, field):
    before = snapshot(quote)
    response = send(
        client_for(org.rep),
        "post",
        f"{API}/quotes/{quote.pk}/lines/",
        {"product": product.pk, **body},
    )
    assert field in json_error(response, 400)
    assert snapshot(quote) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"discount_percent": "101"}, "discount_percent"),
        ({"discount_percent": "-1"}, "discount_percent"),
        ({"shipping": "-5"}, "shipping"),
        ({"shipping": "lots"}, "shipping"),
        ({"valid_until": "2000-01-01"}, "valid_until"),
        ({"valid_until": "tomorrow"}, "valid_until"),
        ({"status": "accepted", "total": "0"}, None),  # read-only: ignored, nothing changes
    ],
)
def test_bad_header_input_is_a_400(org, quote, body, field):
    before = snapshot(quote)
    response = send(client_for(org.rep), "patch", f"{API}/quotes/{quote.pk}/", body)
    if field:
        assert field in json_error(response, 400)
    else:
        assert response.status_code == 200
    assert snapshot(quote) == before


def test_other_teams_quote_is_404_everywhere(org, quote):
    line = quote.lines.get()
    before = snapshot(quote)
    base = f"{API}/quotes/{quote.pk}/"
    calls = [
        ("get", base, None),
        ("patch", base, {"title": "x"}),
        ("get", base + "lines/", None),
        ("post", base + "lines/", {"product": line.product_id, "quantity": "1"}),
        ("patch", f"{base}lines/{line.pk}/", {"quantity": "5"}),
        ("delete", f"{base}lines/{line.pk}/", None),
        ("post", base + "request-approval/", None),
        ("post", base + "approve/", {}),
        ("post", base + "reject/", {"comment": "no"}),
        ("post", base + "send/", None),
        ("post", base + "revise/", None),
        ("get", base + "pdf/", None),
    ]
    for user in (org.other_rep, org.other_manager, org.rep_teammate, org.marketing):
        c = client_for(user)
        for method, url, body in calls:
            assert send(c, method, url, body).status_code == 404, (user, method, url)
        assert c.get(f"{API}/quotes/").status_code in (200, 403)
        if c.get(f"{API}/quotes/").status_code == 200:
            assert c.get(f"{API}/quotes/").json()["results"] == []
    assert snapshot(quote) == before
    opp = send(
        client_for(org.other_rep), "post", f"{API}/quotes/", {"opportunity": quote.opportunity_id}
    )
    assert "opportunity" in json_error(opp, 400)
    assert Quote.objects.count() == 1


def test_approval_and_send_through_the_api(org, quote):
    c = client_for(org.rep)
    base = f"{API}/quotes/{quote.pk}/"
    line = quote.lines.get()
    send(c, "patch", f"{base}lines/{line.pk}/", {"discount_percent": "25"})

    refused = send(c, "post", base + "send/")
    assert "approval" in str(json_error(refused, 400))
    assert send(c, "post", base + "request-approval/").json()["status"] == "pending_approval"
    assert send(c, "post", base + "approve/", {}).status_code == 403  # reps never approve

    manager = client_for(org.sales_manager)
    assert "comment" in json_error(send(manager, "post", base + "reject/", {}), 400)
    approved = send(manager, "post", base + "approve/", {"comment": "ok"})
    assert approved.json()["status"] == "approved"

    assert send(c, "post", base + "send/").json()["status"] == "sent"
    revised = send(c, "post", base + "revise/")
    assert revised.status_code == 201
    assert (revised.json()["version"], revised.json()["previous"]) == (2, quote.pk)
    assert Quote.objects.get(pk=quote.pk).status == "superseded"


def test_pdf_is_202_until_rendered(org, quote):
    c = client_for(org.rep)
    url = f"{API}/quotes/{quote.pk}/pdf/"

    pending = c.get(url)
    assert pending.status_code == 202 and pending["Retry-After"]
    assert not QuoteDocument.objects.filter(quote=quote).exists()

    pdf.ensure_document(quote)  # what the worker's handler does (see test_quotes_worker)
    ready = c.get(url)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready.content.startswith(b"%PDF")

    services.update_line(line=quote.lines.get(), quantity=5, by=org.rep)
    assert c.get(url).status_code == 202  # the stored PDF no longer shows the quote


def test_filters_and_unknown_parameters(org, quote):
    c = client_for(org.rep)
    assert len(c.get(f"{API}/quotes/?status=draft").json()["results"]) == 1
    assert c.get(f"{API}/quotes/?status=sent").json()["results"] == []
    assert "colour" in json_error(c.get(f"{API}/quotes/?colour=red"), 400)
    assert c.get(f"{API}/quotes/?q={quote.number}").json()["results"][0]["id"] == quote.pk


def test_contact_must_deal_with_the_quotes_account(org, quote, records):
    from accounts.models import AccountContactRelation

    before = snapshot(quote)
    c = client_for(org.rep)
    url = f"{API}/quotes/{quote.pk}/"
    stranger = records.other_contact  # of another account
    assert "contact" in json_error(send(c, "patch", url, {"contact": stranger.pk}), 400)
    assert snapshot(quote) == before

    AccountContactRelation.objects.create(account=quote.account, contact=stranger)
    assert send(c, "patch", url, {"contact": stranger.pk}).json()["contact"] == stranger.pk
