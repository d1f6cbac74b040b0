"""The kanban board (sales:board / sales:board_default): columns and their figures (summed in
SQL per stage and currency), the card limit with "show more", filters, and moves through the
same service as the form (version check, access, lost needs a reason)."""

import datetime
import json
import re
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ExchangeRate
from sales.models import Opportunity, Stage, StageChange
from sales.pipeline import selectors, services

from .factories import CurrencyFactory, OpportunityFactory, make_opportunities

HTMX = {"HX-Request": "true"}


def stage(name):
    return services.default_pipeline().stages.get(name=name)


def head(html, stage_obj) -> dict:
    """The figures a column header carries (data attributes)."""
    match = re.search(
        rf'id="board-head-{stage_obj.pk}"[^>]*data-count="(\d+)" data-total="([\d.]+)" '
        rf'data-weighted="([\d.]+)"',
        html,
    )
    assert match, f"no header for {stage_obj}"
    count, total, weighted = match.groups()
    return {"count": int(count), "total": Decimal(total), "weighted": Decimal(weighted)}


def cards(html) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="board-card card" id="card-(\d+)"', html)]


def column_cards(html, stage_obj) -> list[int]:
    start = html.index(f'data-stage="{stage_obj.pk}" data-kind="open"')
    end = html.find("</section>", start)
    return cards(html[start:end])


@pytest.fixture
def board_url(db):
    return reverse("sales:board", args=[services.default_pipeline().pk])


def test_columns_are_the_open_stages_then_won_and_lost_zones(client, org, board_url):
    client.force_login(org.rep)
    response = client.get(reverse("sales:board_default"))
    assert response.status_code == 200
    html = response.content.decode()
    names = re.findall(r'<section class="board-column"[^>]*data-testid="column-([\w-]+)"', html)
    assert names == ["prospecting", "qualification", "proposal", "negotiation"]
    assert 'data-testid="zone-won"' in html and 'data-testid="zone-lost"' in html
    assert client.get(board_url).status_code == 200


@pytest.mark.parametrize("role", ["marketing", "support_agent", "support_manager"])
def test_board_is_for_sales_roles(client, org, board_url, role):
    client.force_login(org.by_role()[role])
    assert client.get(board_url).status_code == 403
    assert client.get(reverse("sales:board_default")).status_code == 403


def test_headers_sum_and_weight_every_deal_in_the_base_currency(client, org, board_url):
    eur = CurrencyFactory(code="EUR")
    CurrencyFactory(code="USD")
    ExchangeRate.objects.create(currency=eur, rate=Decimal("0.5"), valid_from="2000-01-01")
    proposal, prospecting = stage("Proposal"), stage("Prospecting")
    make_opportunities(3, stage=proposal, owner=org.rep, team=org.team, amount=Decimal("100"))
    make_opportunities(2, stage=proposal, owner=org.rep, team=org.team, amount=Decimal("50"),
                       currency="EUR")  # fmt: skip  # 2 × 50 EUR = 200 USD
    make_opportunities(1, stage=prospecting, owner=org.rep, team=org.team, amount=Decimal("10"))
    make_opportunities(4, stage=proposal, owner=org.other_rep, team=org.other_team)  # not hers
    client.force_login(org.rep)

    html = client.get(board_url).content.decode()

    assert head(html, proposal) == {
        "count": 5,
        "total": Decimal("500.00"),
        "weighted": Decimal("250.00"),  # 50 %
    }
    assert head(html, prospecting) == {
        "count": 1, "total": Decimal("10.00"), "weighted": Decimal("1.00")
    }  # fmt: skip
    assert "6</strong> open deals" in html


def test_currency_without_rate_is_counted_not_summed_and_said(client, org, board_url):
    proposal = stage("Proposal")
    make_opportunities(1, stage=proposal, owner=org.rep, amount=Decimal("100"))
    make_opportunities(1, stage=proposal, owner=org.rep, amount=Decimal("100"), currency="JPY")
    client.force_login(org.rep)
    html = client.get(board_url).content.decode()
    assert head(html, proposal)["count"] == 2
    assert head(html, proposal)["total"] == Decimal("100.00")
    assert "No exchange rate for JPY" in html


def test_figures_are_one_grouped_query_whatever_the_number_of_deals(client, org, board_url):
    proposal = stage("Proposal")
    client.force_login(org.admin)

    def queries():
        client.get(board_url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(board_url).status_code == 200
        return len(ctx.captured_queries)

    make_opportunities(5, stage=proposal, owner=org.rep, team=org.team)
    few = queries()
    make_opportunities(120, stage=proposal, start=5, owner=org.rep_teammate, team=org.team)
    make_opportunities(60, stage=stage("Negotiation"), start=200, owner=org.sales_manager)
    assert queries() == few


def test_a_column_shows_at_most_its_limit_and_shows_more_on_demand(client, org, board_url):
    proposal = stage("Proposal")
    today = timezone.localdate()
    made = make_opportunities(
        selectors.CARDS_PER_COLUMN + 7, stage=proposal, owner=org.rep, team=org.team,
        close_date=lambda i: today + datetime.timedelta(days=i),
    )  # fmt: skip
    client.force_login(org.rep)

    html = client.get(board_url).content.decode()

    shown = column_cards(html, proposal)
    assert shown == [o.pk for o in made[: selectors.CARDS_PER_COLUMN]]  # soonest close first
    assert head(html, proposal)["count"] == selectors.CARDS_PER_COLUMN + 7
    more = re.search(
        r'hx-get="([^"]+)"[^>]*hx-target="this"', html[html.index("show-more") - 600 :]
    )
    url = more.group(1).replace("&amp;", "&")
    assert f"offset={selectors.CARDS_PER_COLUMN}" in url

    rest = client.get(url, headers=HTMX)
    assert rest.status_code == 200
    assert cards(rest.content.decode()) == [o.pk for o in made[selectors.CARDS_PER_COLUMN :]]
    assert "show-more" not in rest.content.decode()


def test_ten_thousand_open_deals_render_a_bounded_board(client, org, board_url):
    for i, name in enumerate(["Prospecting", "Qualification", "Proposal", "Negotiation"]):
        make_opportunities(2500, stage=stage(name), start=i * 2500, owner=org.rep, team=org.team,
                           amount=lambda n: Decimal(n % 997))  # fmt: skip
    client.force_login(org.rep)
    client.get(board_url)

    started = time.monotonic()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(board_url)
    elapsed = time.monotonic() - started

    html = response.content.decode()
    assert len(cards(html)) == 4 * selectors.CARDS_PER_COLUMN
    assert "10000</strong> open deals" in html
    assert len(ctx.captured_queries) <= 12, "\n".join(q["sql"][:200] for q in ctx.captured_queries)
    assert elapsed < 3, f"board with 10,000 open deals took {elapsed:.2f}s"


def test_filters_by_owner_team_and_close_month(client, org, board_url):
    proposal = stage("Proposal")
    today = timezone.localdate()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    mine = OpportunityFactory(owner=org.rep, team=org.team, close_date=today)
    teammates = OpportunityFactory(owner=org.rep_teammate, team=org.team, close_date=next_month)
    other = OpportunityFactory(owner=org.other_rep, team=org.other_team, close_date=today)
    for opp in (mine, teammates, other):
        services.opportunity_move(opportunity=opp, stage=proposal, by=org.admin)
    client.force_login(org.admin)

    def shown(**params):
        return set(column_cards(client.get(board_url, params).content.decode(), proposal))

    assert shown() == {mine.pk, teammates.pk, other.pk}
    assert shown(owner=org.rep.pk) == {mine.pk}
    assert shown(team=org.team.pk) == {mine.pk, teammates.pk}
    assert shown(close_month=f"{next_month:%Y-%m}") == {teammates.pk}
    assert shown(close_month="2026-13") == {mine.pk, teammates.pk, other.pk}  # ignored
    # htmx refresh of the board only
    partial = client.get(board_url, {"owner": org.rep.pk}, headers={**HTMX, "HX-Target": "board"})
    assert (
        "<html" not in partial.content.decode()
        and f'id="card-{mine.pk}"' in partial.content.decode()
    )


# -- moves ------------------------------------------------------------------------------------


@pytest.fixture
def deal(org):
    return OpportunityFactory(owner=org.rep, team=org.team, amount=Decimal("200"))


def move(client, opp, target, version, **extra):
    url = reverse("sales:opportunity_move", args=[opp.pk])
    return client.post(url, {"stage": target.pk, "version": version, **extra}, headers=HTMX)


def test_move_saves_through_the_service_and_returns_card_and_headers(client, org, deal):
    client.force_login(org.rep)
    proposal = stage("Proposal")

    response = move(client, deal, proposal, deal.version)

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == proposal and deal.probability == 50 and deal.version == 2
    change = StageChange.objects.filter(opportunity=deal).first()
    assert change.to_stage == proposal and change.changed_by == org.rep
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article class="board-card card" id="card-{deal.pk}"')
    assert 'data-version="2"' in html
    assert f'id="board-head-{proposal.pk}" hx-swap-oob="true"' in html
    assert head(html, proposal) == {
        "count": 1, "total": Decimal("200.00"), "weighted": Decimal("100.00")
    }  # fmt: skip
    assert 'id="board-totals" hx-swap-oob="true"' in html
    assert "moved to Proposal" in json.loads(response["HX-Trigger"])["boardToast"]["message"]


def test_stale_card_is_refused_and_nothing_changes(client, org, deal):
    services.opportunity_save(opportunity=deal, data={"name": "Renamed"}, by=org.rep_teammate)
    client.force_login(org.rep)

    response = move(client, deal, stage("Proposal"), version=1)

    assert response.status_code == 409
    assert "changed by someone else" in response.json()["error"]
    deal.refresh_from_db()
    assert deal.stage == stage("Prospecting") and deal.version == 2


def test_other_teams_deal_is_404_and_untouched(client, org):
    theirs = OpportunityFactory(owner=org.other_rep, team=org.other_team)
    client.force_login(org.rep)
    assert move(client, theirs, stage("Proposal"), theirs.version).status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == stage("Prospecting")


def test_marketing_may_not_move(client, org, deal):
    client.force_login(org.marketing)
    assert move(client, deal, stage("Proposal"), 1).status_code == 404


def test_stage_of_another_pipeline_is_refused(client, org, deal):
    renewal = Stage.objects.get(pipeline__name="Renewals", name="Quote sent")
    client.force_login(org.rep)
    response = move(client, deal, renewal, deal.version)
    assert response.status_code == 400
    assert "another pipeline" in response.json()["error"]


def test_lost_needs_a_reason_then_the_card_leaves_the_board(client, org, deal):
    client.force_login(org.rep)
    lost = stage("Lost")

    refused = move(client, deal, lost, deal.version)
    assert refused.status_code == 400
    body = refused.json()
    assert body["needs_reason"] and body["close_url"].endswith(f"/{deal.pk}/close/")
    deal.refresh_from_db()
    assert deal.status == "open"

    done = move(client, deal, lost, deal.version, close_reason="competitor")
    assert done.status_code == 200
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.close_reason == "competitor"
    assert "board-card" not in done.content.decode().split("hx-swap-oob")[0]


def test_dropping_on_won_closes_the_deal(client, org, deal):
    client.force_login(org.rep)
    response = move(client, deal, stage("Won"), deal.version)
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == "won" and deal.closed_at is not None
    html = response.content.decode()
    assert head(html, stage("Won"))["count"] == 1


def test_reason_dialog_from_the_board(client, org, deal):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_close", args=[deal.pk])
    dialog = client.get(url, {"won": "0", "from": "board", "version": deal.version}, headers=HTMX)
    assert dialog.status_code == 200
    assert (
        "<html" not in dialog.content.decode() and 'name="close_reason"' in dialog.content.decode()
    )

    missing = client.post(url, {"won": "0", "version": deal.version, "from": "board"}, headers=HTMX)
    assert missing.status_code == 400
    assert "Say why the deal was lost" in missing.content.decode()

    data = {"won": "0", "version": deal.version, "from": "board", "close_reason": "price"}
    closed = client.post(url, data, headers=HTMX)
    assert closed.status_code == 200
    assert f'<div id="card-{deal.pk}" hx-swap-oob="delete">' in closed.content.decode()
    assert "dealClosed" in json.loads(closed["HX-Trigger"])
    deal.refresh_from_db()
    assert deal.status == "lost"


def test_no_javascript_move_redirects_back_with_a_message(client, org, deal, board_url):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_move", args=[deal.pk])
    response = client.post(
        url, {"stage": stage("Qualification").pk, "version": 1, "return_url": board_url},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == board_url
    assert "moved to Qualification" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stage("Qualification")

    stale = client.post(url, {"stage": stage("Proposal").pk, "version": 1}, follow=True)
    assert "changed by someone else" in stale.content.decode()


def test_move_needs_csrf(org, deal):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(org.rep)
    assert move(c, deal, stage("Proposal"), 1).status_code == 403
    deal.refresh_from_db()
    assert deal.version == 1


def test_cards_show_stale_badges(client, org, board_url, settings):
    settings.SALES_STALE_DAYS = 5
    old = timezone.now() - datetime.timedelta(days=9)
    make_opportunities(1, owner=org.rep, close_date=timezone.localdate() - datetime.timedelta(2))
    Opportunity.objects.update(created_at=old)  # auto_now_add wrote now
    client.force_login(org.rep)
    html = client.get(board_url).content.decode()
    assert 'data-stale="inactive"' in html and 'data-stale="overdue"' in html


def test_card_urls_are_the_move_and_close_views(client, org, deal, board_url):
    """A card builds its move/close URLs from the deal's own (one reverse per card)."""
    client.force_login(org.rep)
    html = client.get(board_url).content.decode()
    card = re.search(rf'<article[^>]*id="card-{deal.pk}"[^>]*>', html).group(0)
    assert f'data-move-url="{reverse("sales:opportunity_move", args=[deal.pk])}"' in card
    assert f'data-close-url="{reverse("sales:opportunity_close", args=[deal.pk])}"' in card


def test_move_page_without_javascript(client, org, deal, board_url):
    """A card's "Move…" opens a page with the stages; its form moves the deal and comes back."""
    client.force_login(org.rep)
    html = client.get(board_url).content.decode()
    link = re.search(rf'href="(/[^"]*/{deal.pk}/move/\?return_url=[^"]+)"', html).group(1)
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="stage"' in body and "(won)" in body and "Mark lost" in body
    assert f'name="return_url" value="{board_url}"' in body
    response = client.post(
        reverse("sales:opportunity_move", args=[deal.pk]),
        {"stage": stage("Proposal").pk, "version": deal.version, "return_url": board_url},
    )
    assert response.status_code == 302 and response["Location"] == board_url
    deal.refresh_from_db()
    assert deal.stage == stage("Proposal")


def test_move_page_of_another_teams_deal_is_404(client, org):
    other = OpportunityFactory(owner=org.other_rep, team=org.other_team)
    client.force_login(org.rep)
    assert client.get(reverse("sales:opportunity_move", args=[other.pk])).status_code == 404
