from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.navigation import SUPPORT

from . import selectors


@login_required
def workspace(request):
    if request.user.role not in SUPPORT:
        raise PermissionDenied
    ctx = {
        "figures": selectors.agent_figures(request.user),
        "tickets": selectors.oldest_open(request.user),
    }
    return render(request, "service/workspace.html", ctx)
