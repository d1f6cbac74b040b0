"""Quote pages, through HTTP: creating from an opportunity, the line editor and its bad input,
versions and their comparison, access (other teams' quotes are 404), expiry, query budgets."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import TimelineEntry
from catalog.money import MissingRate
from sales.models import Quote, QuoteLine
from sales.quotes import services, tasks

from .factories import (
    CurrencyFactory,
    ExchangeRateFactory,
    OpportunityFactory,
    ProductFactory,
    QuoteFactory,
)
from .test_query_budgets import _explain, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    usd = CurrencyFactory(code="USD")
    return [
        ProductFactory(name="Laptop 14", currency=usd, unit_price=D("999.99"), tax_rate=D("20")),
        ProductFactory(name="Dock", currency=usd, unit_price=D("129.50"), tax_rate=D("20")),
        ProductFactory(name="Support year", currency=usd, unit_price=D("300"), tax_rate=D("0")),
    ]


def quote_for(org, products, lines=((0, 2, 0),), **kwargs):
    return QuoteFactory(
        owner=org.rep,
        team=org.team,
        lines=[(products[i], q, d) for i, q, d in lines],
        **kwargs,
    )


def snapshot(quote):
    quote.refresh_from_db()
    lines = list(QuoteLine.objects.filter(quote=quote).values_list("quantity", "discount_percent"))
    return (quote.status, quote.total, quote.discount_percent, quote.shipping, lines)


# -- creating -----------------------------------------------------------------------------------


def test_rep_creates_a_quote_from_an_opportunity(client, org, records, products):
    opp = OpportunityFactory(
        owner=org.rep, team=org.team, account=records.account, contact=records.contact
    )
    client.force_login(org.rep)

    response = client.post(reverse("sales:quote_create", args=[opp.pk]))

    quote = Quote.objects.get(opportunity=opp)
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()
    assert quote.number.startswith("Q-") and len(quote.number) == 8 and quote.version == 1
    assert (quote.account, quote.contact, quote.currency) == (
        records.account,
        records.contact,
        "USD",
    )
    assert (quote.owner, quote.team, quote.status) == (org.rep, org.team, "draft")
    assert quote.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    entry = TimelineEntry.objects.get(
        subject_type=ContentType.objects.get_for_model(Quote), subject_id=quote.pk
    )
    assert (entry.kind, entry.access_kind, entry.account_id) == (
        "quote",
        "sales",
        records.account.pk,
    )

    second = services.create_quote(opportunity=opp, by=org.rep)
    assert int(second.number[2:]) > int(quote.number[2:])


def test_quote_in_a_currency_without_rate_is_refused(org, products):
    from catalog.models import ExchangeRate

    rate = ExchangeRateFactory(currency=CurrencyFactory(code="CHF"), rate=D("0.9"))
    opp = OpportunityFactory(owner=org.rep, team=org.team, currency="CHF")
    ExchangeRate.objects.filter(pk=rate.pk).delete()  # the rate went away since
    with pytest.raises(MissingRate, match="no exchange rate for CHF"):
        services.create_quote(opportunity=opp, by=org.rep)
    assert not Quote.objects.exists()

    ExchangeRateFactory(currency=CurrencyFactory(code="CHF"), rate=D("0.9"))
    quote = services.create_quote(opportunity=opp, by=org.rep)
    line = services.add_line(quote=quote, product=products[0], quantity=1, by=org.rep)
    assert line.unit_price == D("899.99")  # 999.99 USD × 0.9, half-up to the cent


def test_add_line_through_the_page(client, org, products):
    quote = quote_for(org, products, lines=())
    client.force_login(org.rep)

    response = client.post(
        reverse("sales:quote_line_add", args=[quote.pk]),
        {"product": products[1].pk, "quantity": "3", "discount_percent": "5"},
    )

    assert response.status_code == 302
    line = quote.lines.get()
    assert (line.description, line.quantity, line.unit_price) == ("Dock", 3, D("129.50"))
    quote.refresh_from_db()
    assert quote.subtotal == D("369.08")  # 388.50 × 0.95 = 369.075 -> 369.08
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "369.08" in page and "Amounts are rounded half-up to the cent per line" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": "1", "discount_percent": "150"}, "cannot be more than 100"),
        ({"quantity": "1", "discount_percent": "-5"}, "cannot be negative"),
        ({"quantity": "-2", "discount_percent": "0"}, "must be more than 0"),
        ({"quantity": "0", "discount_percent": "0"}, "must be more than 0"),
        ({"quantity": "abc", "discount_percent": "0"}, "Enter a number"),
        ({"quantity": "1", "discount_percent": "ten"}, "Enter a number"),
        ({"quantity": "1e400", "discount_percent": "0"}, ""),
        ({"quantity": "1.005", "discount_percent": "0"}, "2 decimal places"),
        ({"quantity": "NaN", "discount_percent": "0"}, ""),
    ],
)
def test_bad_line_input_is_a_form_error_and_nothing_is_saved(client, org, products, data, message):
    quote = quote_for(org, products)
    before = snapshot(quote)
    client.force_login(org.rep)

    response = client.post(
        reverse("sales:quote_line_add", args=[quote.pk]), {"product": products[1].pk, **data}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(quote) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": "-1", "discount_percent": "0"}, "must be more than 0"),
        ({"quantity": "2", "discount_percent": "101"}, "cannot be more than 100"),
        ({"quantity": "x", "discount_percent": "0"}, "Enter a number"),
    ],
)
def test_bad_line_edit_is_refused(client, org, products, data, message):
    quote = quote_for(org, products)
    line = quote.lines.get()
    before = snapshot(quote)
    client.force_login(org.rep)

    response = client.post(reverse("sales:quote_line_edit", args=[quote.pk, line.pk]), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(quote) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discount_percent", "150", "less than or equal to 100"),
        ("discount_percent", "abc", "Enter a number"),
        ("shipping", "-10", "greater than or equal to 0"),
        ("shipping", "ten", "Enter a number"),
        ("valid_until", "2001-01-01", "in the past"),
        ("valid_until", "someday", "Enter a valid date"),
    ],
)
def test_bad_header_input_is_refused(client, org, products, field, value, message):
    quote = quote_for(org, products)
    before = snapshot(quote)
    client.force_login(org.rep)
    data = {
        "title": "T",
        "contact": quote.contact_id,
        "valid_until": str(quote.valid_until),
        "discount_percent": "0",
        "shipping": "0",
        "terms": "",
        field: value,
    }

    response = client.post(reverse("sales:quote_edit", args=[quote.pk]), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(quote) == before


def test_header_edit_changes_totals(client, org, products):
    quote = quote_for(org, products, lines=((2, 1, 0),))
    client.force_login(org.rep)
    data = {
        "title": "New title",
        "contact": quote.contact_id,
        "terms": "Net 10",
        "valid_until": str(quote.valid_until),
        "discount_percent": "5",
        "shipping": "12.5",
    }

    response = client.post(reverse("sales:quote_edit", args=[quote.pk]), data)

    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.title, quote.terms, quote.discount_total) == ("New title", "Net 10", D("15.00"))
    assert quote.total == D("300.00") - D("15.00") + D("12.50")


def test_configurable_product_needs_the_configurator(org, products):
    from .factories import ConfigurableProductFactory

    quote = quote_for(org, products, lines=())
    product = ConfigurableProductFactory(currency=products[0].currency)
    with pytest.raises(ValidationError, match="Configure"):
        services.add_line(quote=quote, product=product, quantity=1, by=org.rep)
    with pytest.raises(ValidationError, match="(?i)choose|excludes|requires"):
        services.add_line(
            quote=quote, product=product, quantity=1, configuration={"size": "18"}, by=org.rep
        )
    assert not quote.lines.exists()

    line = services.add_line(
        quote=quote,
        product=product,
        quantity=2,
        configuration={"size": "16", "support": "premium", "addons": ["onsite"]},
        by=org.rep,
    )
    assert line.configuration["size"] == "16"
    assert "Premium" in line.description or "premium" in line.description.lower()
    assert line.unit_price > D("5000")


def test_only_drafts_are_editable(client, org, products):
    quote = quote_for(org, products)
    services.send_quote(quote=quote, by=org.rep)
    line = quote.lines.get()
    before = snapshot(quote)
    client.force_login(org.rep)

    add = client.post(
        reverse("sales:quote_line_add", args=[quote.pk]),
        {"product": products[1].pk, "quantity": "1", "discount_percent": "0"},
    )
    remove = client.post(reverse("sales:quote_line_remove", args=[quote.pk, line.pk]))

    for response in (add, remove):
        assert response.status_code == 400
        assert "is sent and cannot be changed" in response.content.decode()
    assert snapshot(quote) == before


# -- versions -----------------------------------------------------------------------------------


def test_revise_makes_a_new_version_and_compare_shows_the_changes(client, org, products):
    quote = quote_for(org, products, lines=((0, 2, 0), (1, 1, 0)))
    services.send_quote(quote=quote, by=org.rep)
    client.force_login(org.rep)

    response = client.post(reverse("sales:quote_revise", args=[quote.pk]))

    new = Quote.objects.get(number=quote.number, version=2)
    assert response["Location"] == new.get_absolute_url()
    quote.refresh_from_db()
    assert (quote.status, new.status, new.previous_id) == ("superseded", "draft", quote.pk)
    assert new.total == quote.total and new.lines.count() == 2
    # change v2: one line changed, one removed, one added
    laptop, dock = new.lines.order_by("position")
    services.update_line(line=laptop, quantity=3, by=org.rep)
    services.remove_line(line=dock, by=org.rep)
    services.add_line(quote=new, product=products[2], quantity=1, by=org.rep)

    # the old version is read-only, still readable
    page = client.get(quote.get_absolute_url())
    assert page.status_code == 200 and "superseded" in page.content.decode()
    assert client.post(reverse("sales:quote_revise", args=[quote.pk])).status_code == 400
    detail = client.get(new.get_absolute_url()).content.decode()
    assert "v1" in detail and "v2 (this)" in detail

    compare = client.get(reverse("sales:quote_compare", args=[new.pk]))
    assert compare.status_code == 200
    html = compare.content.decode()
    assert 'data-kind="changed"' in html and 'data-kind="removed"' in html
    assert 'data-kind="added"' in html
    assert "1 line added, 1 removed, 1 changed" in html
    new.refresh_from_db()
    assert f"{new.total:,.2f}" in html and f"{quote.total:,.2f}" in html


def test_revise_is_only_for_sent_quotes(org, products):
    quote = quote_for(org, products)
    with pytest.raises(services.QuoteError, match="Only a sent"):
        services.revise_quote(quote=quote, by=org.rep)


# -- access -------------------------------------------------------------------------------------


def test_other_teams_quote_is_404_on_every_page(client, org, products):
    quote = quote_for(org, products)
    line = quote.lines.get()
    urls = [
        ("get", reverse("sales:quote_detail", args=[quote.pk])),
        ("get", reverse("sales:quote_pdf", args=[quote.pk])),
        ("get", reverse("sales:quote_compare", args=[quote.pk])),
        ("post", reverse("sales:quote_edit", args=[quote.pk])),
        ("post", reverse("sales:quote_line_add", args=[quote.pk])),
        ("post", reverse("sales:quote_line_edit", args=[quote.pk, line.pk])),
        ("post", reverse("sales:quote_line_remove", args=[quote.pk, line.pk])),
        ("post", reverse("sales:quote_request_approval", args=[quote.pk])),
        ("post", reverse("sales:quote_approve", args=[quote.pk])),
        ("post", reverse("sales:quote_send", args=[quote.pk])),
        ("post", reverse("sales:quote_revise", args=[quote.pk])),
        ("post", reverse("sales:quote_create", args=[quote.opportunity_id])),
    ]
    before = snapshot(quote)
    for user in (org.other_rep, org.other_manager, org.rep_teammate, org.marketing, org.agent):
        client.force_login(user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (user, url)
    assert snapshot(quote) == before
    assert Quote.objects.count() == 1
    for user in (org.rep, org.sales_manager, org.admin):
        client.force_login(user)
        assert client.get(quote.get_absolute_url()).status_code == 200


def test_list_shows_what_the_user_may_see(client, org, products):
    mine = quote_for(org, products)
    theirs = QuoteFactory(owner=org.other_rep, team=org.other_team, lines=[(products[0], 1, 0)])
    client.force_login(org.rep)

    page = client.get(reverse("sales:quote_list")).content.decode()

    assert mine.number in page and theirs.number not in page
    assert client.get(reverse("sales:quote_list") + "?status=sent").status_code == 200
    assert (
        mine.number not in client.get(reverse("sales:quote_list") + "?status=sent").content.decode()
    )
    found = client.get(reverse("sales:quote_list"), {"q": mine.number}).content.decode()
    assert mine.number in found
    services.send_quote(quote=mine, by=org.rep)
    newer = services.revise_quote(quote=mine, by=org.rep)
    latest = client.get(reverse("sales:quote_list"), {"latest": "on"}).content.decode()
    assert newer.get_absolute_url() in latest and mine.get_absolute_url() not in latest
    until = str(mine.valid_until)
    window = client.get(
        reverse("sales:quote_list"), {"valid_until_after": until, "valid_until_before": until}
    ).content.decode()
    assert mine.get_absolute_url() in window
    later = client.get(reverse("sales:quote_list"), {"valid_until_after": "2999-01-01"})
    assert mine.get_absolute_url() not in later.content.decode()
    by_account = client.get(reverse("sales:quote_list"), {"account": mine.account_id})
    assert mine.get_absolute_url() in by_account.content.decode()
    sorted_page = client.get(reverse("sales:quote_list"), {"sort": "-total"})
    assert sorted_page.status_code == 200
    export = client.get(reverse("sales:quote_list") + "?export=csv")
    body = b"".join(export.streaming_content).decode()
    assert mine.number in body and theirs.number not in body
    client.force_login(org.marketing)
    assert client.get(reverse("sales:quote_list")).status_code == 403


def test_quote_number_is_found_by_global_search(client, org, products):
    quote = quote_for(org, products)
    client.force_login(org.rep)
    for q in (quote.number.lower(), quote.number, "#" + quote.number[2:].lstrip("0")):
        response = client.get(reverse("core:search_suggest"), {"q": q})
        assert quote.get_absolute_url() in response.content.decode(), q
    client.force_login(org.other_rep)
    response = client.get(reverse("core:search_suggest"), {"q": quote.number})
    assert quote.get_absolute_url() not in response.content.decode()


def test_account_page_shows_the_quotes_panel(client, org, records, products):
    quote = quote_for(org, products, account=records.account)
    client.force_login(org.rep)
    page = client.get(records.account.get_absolute_url()).content.decode()
    assert 'data-testid="account-quotes"' in page and quote.number in page
    client.force_login(org.marketing)
    page = client.get(records.account.get_absolute_url()).content.decode()
    assert 'data-testid="account-quotes"' not in page


# -- expiry -------------------------------------------------------------------------------------


def test_expiry_task_expires_sent_and_approved_quotes_once(org, products):
    sent = quote_for(org, products)
    services.send_quote(quote=sent, by=org.rep)
    approved = quote_for(org, products, lines=((0, 1, 20),))
    services.request_approval(quote=approved, by=org.rep)
    services.decide_approval(quote=approved, approve=True, by=org.sales_manager)
    draft = quote_for(org, products)
    still_valid = quote_for(org, products)
    services.send_quote(quote=still_valid, by=org.rep)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Quote.objects.exclude(pk=still_valid.pk).update(valid_until=yesterday)

    assert tasks.expire_quotes() == 2
    assert tasks.expire_quotes() == 0

    statuses = dict(Quote.objects.values_list("pk", "status"))
    assert statuses == {sent.pk: "expired", approved.pk: "expired", draft.pk: "draft",
                        still_valid.pk: "sent"}  # fmt: skip


def test_expiry_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-quotes"]
    assert entry["task"] == "sales.quotes.tasks.expire_quotes"
    assert entry["schedule"] == 3600.0
    assert entry["task"] in tasks.expire_quotes.app.tasks


# -- query budgets ------------------------------------------------------------------------------


def _make_quotes(org, products, start, count):
    for _ in range(count):
        QuoteFactory(owner=[org.rep, None][start % 2], team=org.team, lines=[(products[0], 1, 0)])
        start += 1


def _make_lines(quote, products, count):
    for i in range(count):
        QuoteLine.objects.create(
            quote=quote,
            position=100 + i,
            product=products[i % 3],
            description=f"Line {i}",
            quantity=1,
            unit_price=D("10"),
        )


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager"])
def test_list_query_count_is_constant(client, org, products, role):
    import json
    from pathlib import Path

    budget = json.loads((Path(__file__).parent / "query_counts.json").read_text())
    client.force_login(org.by_role()[role])
    url = reverse("sales:quote_list")
    _make_quotes(org, products, 0, 5)
    client.get(url)
    few, _ = count_queries(client, url)
    _make_quotes(org, products, 5, 25)
    many, sql = count_queries(client, url)
    assert few == many, _explain(sql)
    assert many <= budget["sales:quote_list"], f"{many} queries\n{_explain(sql)}"
    export_few, _ = count_queries(client, url + "?export=csv")
    assert export_few <= few


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager"])
def test_detail_query_count_is_constant(client, org, products, role):
    import json
    from pathlib import Path

    budget = json.loads((Path(__file__).parent / "query_counts.json").read_text())
    quote = quote_for(org, products)
    services.send_quote(quote=quote, by=org.rep)
    quote = services.revise_quote(quote=quote, by=org.rep)
    client.force_login(org.by_role()[role])
    url = quote.get_absolute_url()
    _make_lines(quote, products, 5)
    client.get(url)
    few, _ = count_queries(client, url)
    _make_lines(quote, products, 25)
    many, sql = count_queries(client, url)
    assert few == many, _explain(sql)
    assert many <= budget["sales:quote_detail"], f"{many} queries\n{_explain(sql)}"
