"""The forecast's numbers on a crafted set of deals equal the hand-computed ones: two reps
of North and one of South, USD and EUR (1 USD = 0.5 EUR, so 100 EUR = 200 USD), open deals
in each forecast category, won and lost ones, months and quarters, quotas of each kind."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ExchangeRate
from sales.forecast.periods import MONTH, QUARTER, shift, start_of

from .factories import (
    CurrencyFactory,
    ExchangeRateFactory,
    OpportunityFactory,
    QuotaFactory,
    stage_named,
)

pytestmark = pytest.mark.django_db

Q0 = Q1 = M0 = M1 = M2 = None  # this quarter, the next, this quarter's months: see below


@pytest.fixture(autouse=True)
def _this_quarter():
    """Read when each test starts (the clock may have been moved), never at import."""
    global Q0, Q1, M0, M1, M2
    Q0 = start_of(timezone.localdate(), QUARTER)
    Q1 = shift(Q0, QUARTER, 1)
    M0, M1, M2 = (shift(Q0, MONTH, i) for i in range(3))


def label(q):
    return f"Q{(q.month - 1) // 3 + 1} {q.year}"


def deal(owner, team, stage, amount, currency, close, **extra):
    return OpportunityFactory(owner=owner, team=team, stage=stage_named(stage),
                              amount=Decimal(amount), currency=currency, close_date=close,
                              **extra)  # fmt: skip


@pytest.fixture
def deals(org):
    ExchangeRateFactory(rate=Decimal("0.5"))  # EUR
    rep, mate, other = org.rep, org.rep_teammate, org.other_rep
    north, south = org.team, org.other_team
    # rep, this quarter
    deal(rep, north, "Prospecting", "1000", "USD", M0.replace(day=5))  # 10 %
    deal(rep, north, "Proposal", "500", "EUR", M1.replace(day=10))  # 1000 USD, 50 %, best case
    deal(rep, north, "Negotiation", "2000", "USD", M2.replace(day=20))  # 80 %, commit
    deal(rep, north, "Won", "3000", "USD", M0.replace(day=15))
    deal(
        rep, north, "Lost", "1000", "EUR", M0.replace(day=16), close_reason="price"
    )  # left out everywhere
    deal(rep, north, "Won", "9999", "USD", shift(Q0, QUARTER, -1))  # before the range
    # rep, next quarter: a commit deal with its probability overridden to 25 %
    deal(rep, north, "Negotiation", "400", "USD", Q1.replace(day=3), probability=25)
    # teammate
    deal(mate, north, "Won", "250", "EUR", M1.replace(day=1))  # 500 USD
    deal(mate, north, "Proposal", "600", "USD", Q1.replace(day=9))
    # South
    deal(other, south, "Negotiation", "5000", "USD", M0.replace(day=2))
    deal(other, south, "Won", "7000", "USD", M2.replace(day=2))
    # quotas: a quarter's own; a quarter made of months (one of them in EUR); EUR quarter
    QuotaFactory(user=rep, period="quarter", start=Q0, amount=Decimal("6000"))
    QuotaFactory(user=rep, period="month", start=Q1, amount=Decimal("1000"))
    QuotaFactory(user=rep, period="month", start=shift(Q1, MONTH, 1), amount=Decimal("500"),
                 currency="EUR")  # fmt: skip
    QuotaFactory(user=mate, period="quarter", start=Q0, amount=Decimal("1000"), currency="EUR")
    QuotaFactory(user=other, period="quarter", start=Q0, amount=Decimal("10000"))
    return org


def forecast_csv(client, **params) -> dict:
    """{(row label, period label): {column: value}} from the CSV export."""
    response = client.get(reverse("sales:forecast"), {**params, "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {(r["Row"], r["Period"]): r for r in csv.DictReader(io.StringIO(text))}


def figures(row) -> tuple:
    names = ("Pipeline", "Weighted", "Best case", "Commit", "Closed won", "Quota", "Attainment %")
    return tuple(row[n] for n in names)


def test_rep_quarters(client, deals):
    client.force_login(deals.rep)
    table = forecast_csv(client, period="quarter", start=f"{Q0:%Y-%m}", count=2)
    me = str(deals.rep)
    #                                   pipeline  weighted best     commit   won       quota    %
    assert figures(table[(me, label(Q0))]) == ("4000.00", "2200.00", "3000.00", "2000.00",
                                               "3000.00", "6000.00", "50.0")  # fmt: skip
    # the months' quotas add up to the quarter's: 1000 USD + 500 EUR = 2000 USD
    assert figures(table[(me, label(Q1))]) == ("400.00", "100.00", "400.00", "400.00",
                                               "0.00", "2000.00", "0.0")  # fmt: skip
    assert {key[0] for key in table} == {me, "Total"}  # nobody else's row


def test_rep_months_get_a_third_of_the_quarter_quota(client, deals):
    client.force_login(deals.rep)
    table = forecast_csv(client, period="month", start=f"{Q0:%Y-%m}", count=3)
    me = str(deals.rep)
    m = lambda d: d.strftime("%b %Y")  # noqa: E731
    assert figures(table[(me, m(M0))]) == ("1000.00", "100.00", "0.00", "0.00", "3000.00",
                                           "2000.00", "150.0")  # fmt: skip
    assert figures(table[(me, m(M1))]) == ("1000.00", "500.00", "1000.00", "0.00", "0.00",
                                           "2000.00", "0.0")  # fmt: skip
    assert figures(table[(me, m(M2))]) == ("2000.00", "1600.00", "2000.00", "2000.00", "0.00",
                                           "2000.00", "0.0")  # fmt: skip


def test_manager_sees_reps_and_team_total(client, deals):
    client.force_login(deals.sales_manager)
    table = forecast_csv(client, period="quarter", start=f"{Q0:%Y-%m}", count=2)
    q0 = label(Q0)
    assert figures(table[(str(deals.rep_teammate), q0)]) == (
        "0.00", "0.00", "0.00", "0.00", "500.00", "2000.00", "25.0")  # fmt: skip
    # 3500 won of 8000 → 43.75 %
    assert figures(table[("North total", q0)]) == ("4000.00", "2200.00", "3000.00", "2000.00",
                                                   "3500.00", "8000.00", "43.8")  # fmt: skip
    assert figures(table[("Total", q0)]) == figures(table[("North total", q0)])
    assert figures(table[("North total", label(Q1))])[:5] == (
        "1000.00", "400.00", "1000.00", "400.00", "0.00")  # fmt: skip
    rows = {key[0] for key in table}
    assert str(deals.other_rep) not in rows and "South total" not in rows


def test_admin_sees_every_team(client, deals):
    client.force_login(deals.admin)
    table = forecast_csv(client, period="quarter", start=f"{Q0:%Y-%m}", count=1)
    q0 = label(Q0)
    assert figures(table[("South total", q0)]) == ("5000.00", "4000.00", "5000.00", "5000.00",
                                                   "7000.00", "10000.00", "70.0")  # fmt: skip
    assert figures(table[("Total", q0)]) == ("9000.00", "6200.00", "8000.00", "7000.00",
                                             "10500.00", "18000.00", "58.3")  # fmt: skip


def test_team_and_rep_scopes_for_a_manager(client, deals):
    client.force_login(deals.admin)
    q0 = label(Q0)
    south = forecast_csv(client, team=deals.other_team.pk, start=f"{Q0:%Y-%m}", count=1)
    assert {key[0] for key in south} == {str(deals.other_rep), "South total", "Total"}
    mate = forecast_csv(client, rep=deals.rep_teammate.pk, start=f"{Q0:%Y-%m}", count=1)
    assert {key[0] for key in mate} == {str(deals.rep_teammate), "Total"}
    assert mate[(str(deals.rep_teammate), q0)]["Closed won"] == "500.00"


def test_page_shows_the_numbers_chart_and_tabs(client, deals):
    client.force_login(deals.sales_manager)
    response = client.get(reverse("sales:forecast"), {"start": f"{Q0:%Y-%m}", "count": 2})
    page = response.content.decode()
    assert response.status_code == 200
    kpis = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page))
    # the range: Q0 + Q1 of North
    assert kpis["pipeline"] == "5,000" and kpis["won"] == "3,500" and kpis["commit"] == "2,400"
    assert kpis["attainment"].strip() == "35.0 %"  # 3500 of 8000 + 2000
    assert 'id="forecast-chart"' in page and "chart.umd.min.js" in page
    assert f">{label(Q0)}</a>" in page and f">{label(Q1)}</a>" in page
    assert 'data-label="North total"' in page
    # one table at a time: the first period's, or the tab asked for (the range here)
    assert page.count('class="table table-sm table-hover align-middle mb-0 forecast-table"') == 1
    assert f'data-period="{Q0:%Y}' in page
    ranged = client.get(
        reverse("sales:forecast"), {"start": f"{Q0:%Y-%m}", "count": 2, "tab": "range"}
    ).content.decode()
    assert 'data-period="range"' in ranged and 'aria-selected="true"' in ranged
    north = ranged[ranged.index('data-label="North total"') :].split("</tr>")[0]
    assert '<td class="text-end" data-col="pipeline">5,000</td>' in north


def test_a_currency_without_rate_is_reported_not_crashed(client, org):
    ExchangeRateFactory(currency=CurrencyFactory(code="GBP"), rate=Decimal("0.8"))
    deal(org.rep, org.team, "Proposal", "100", "GBP", timezone.localdate())
    ExchangeRate.objects.filter(currency="GBP").delete()  # the rate is gone since
    deal(org.rep, org.team, "Proposal", "300", "USD", timezone.localdate())
    client.force_login(org.rep)
    response = client.get(reverse("sales:forecast"))
    assert response.status_code == 200
    assert "No exchange rate for GBP" in response.content.decode()
    table = forecast_csv(client)
    assert table[(str(org.rep), label(Q0))]["Pipeline"] == "300.00"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13"}, "Give a month as YYYY-MM"),
        ({"period": "week"}, "Select a valid choice"),
        ({"count": "99"}, "Select a valid choice"),
    ],
)
def test_bad_period_input_is_a_form_error(client, org, params, message):
    client.force_login(org.rep)
    response = client.get(reverse("sales:forecast"), params)
    assert response.status_code == 400
    assert message in response.content.decode()
