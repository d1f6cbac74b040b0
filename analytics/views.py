import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from catalog.money import rates
from core.navigation import MANAGERS, SALES, SUPPORT
from sales.forecast import figures
from sales.forecast.periods import MONTH, QUARTER, current
from sales.forecast.selectors import Scope, audience, forecast
from sales.models import Opportunity
from sales.selectors import leads_by_team
from service.selectors import tickets_by_queue

TOP_DEALS = 10
WIN_RATE_DAYS = 365


@login_required
def dashboard(request):
    """The manager's dashboard: their teams' pipeline and service figures. The sales figures
    load by htmx right after the page (``sales_figures``), so the page itself stays cheap."""
    user = request.user
    if user.role not in MANAGERS:
        raise PermissionDenied
    ctx = {
        "lead_rows": leads_by_team(user) if user.role in SALES else None,
        "ticket_rows": tickets_by_queue(user) if user.role in SUPPORT else None,
        "show_sales": user.role in SALES,
    }
    return render(request, "analytics/dashboard.html", ctx)


@login_required
def sales_figures(request):
    """The sales part of the dashboard (htmx fragment), for sales managers (their teams) and
    administrators (all): pipeline by stage, this quarter's forecast against quota per team,
    win rate and sales cycle per team and office over 12 months, top deals closing this
    month."""
    user = request.user
    if user.role not in MANAGERS or user.role not in SALES:
        raise PermissionDenied
    deals = Opportunity.objects.visible_to(user)
    aud = audience(user)
    quarter, month = current(QUARTER), current(MONTH)
    known = rates(None)
    result = forecast(user, aud, Scope("all"), [quarter], known)
    since = timezone.localdate() - datetime.timedelta(days=WIN_RATE_DAYS)
    teams, offices = figures.win_rates(deals, since)
    by_stage = figures.open_by_stage(deals, known)
    ctx = {
        "quarter": quarter,
        "month": month,
        "forecast": result,
        "team_rows": [r for r in result.rows if r.kind != "rep"],
        "by_stage": by_stage,
        "stage_chart": by_stage.chart(),
        "win_teams": teams,
        "win_offices": offices,
        "since": since,
        "top_deals": figures.closing_deals(
            deals.filter(close_date__gte=month.start),
            month.end,
            limit=TOP_DEALS,
            by_amount=True,
            known=known,
        ),  # fmt: skip
    }
    return render(request, "analytics/_sales.html", ctx)
