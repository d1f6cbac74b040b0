from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.navigation import SALES

from . import selectors


@login_required
def workspace(request):
    if request.user.role not in SALES:
        raise PermissionDenied
    ctx = {
        "figures": selectors.rep_workspace_figures(request.user),
        "leads": selectors.leads_to_call(request.user),
    }
    return render(request, "sales/workspace.html", ctx)
