from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.navigation import MANAGERS, SALES, SUPPORT
from sales.selectors import leads_by_team
from service.selectors import tickets_by_queue


@login_required
def dashboard(request):
    """The manager's dashboard: their teams' pipeline and service figures."""
    user = request.user
    if user.role not in MANAGERS:
        raise PermissionDenied
    ctx = {
        "lead_rows": leads_by_team(user) if user.role in SALES else None,
        "ticket_rows": tickets_by_queue(user) if user.role in SUPPORT else None,
    }
    return render(request, "analytics/dashboard.html", ctx)
