"""The rep's workspace: the page itself is cheap (counters and leads to call); "My deals"
(open deals by stage, deals closing this month, quota attainment) and "My day" (open tasks,
``accounts``' own card) load by htmx right after it, each with its own query budget."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from catalog.money import rates
from core.navigation import SALES

from . import selectors
from .forecast import figures
from .forecast.periods import MONTH, QUARTER, current
from .models import Opportunity

CLOSING_LIMIT = 10


def _sales_user(request):
    if request.user.role not in SALES:
        raise PermissionDenied
    return request.user


@login_required
def workspace(request):
    user = _sales_user(request)
    ctx = {
        "figures": selectors.rep_workspace_figures(user),
        "leads": selectors.leads_to_call(user),
    }
    return render(request, "sales/workspace.html", ctx)


@login_required
def workspace_deals(request):
    """The "My deals" card (htmx fragment)."""
    user = _sales_user(request)
    mine = Opportunity.objects.visible_to(user).filter(owner=user)
    month, quarter = current(MONTH), current(QUARTER)
    known = rates()  # every currency's rate, once for the whole card
    ctx = {
        "by_stage": figures.open_by_stage(mine, known),
        "closing": figures.closing_deals(mine, month.end, limit=CLOSING_LIMIT + 1),
        "closing_limit": CLOSING_LIMIT,
        "month": month,
        "quarter": quarter,
        "attainment": figures.attainment(user, mine, quarter, known),
        "today": timezone.localdate(),
    }
    return render(request, "sales/forecast/_workspace_deals.html", ctx)
