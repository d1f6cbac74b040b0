from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from sales.selectors import lead_funnel_by_source
from users.models import Role


@login_required
def workspace(request):
    if request.user.role not in (Role.MARKETING, Role.ADMIN):
        raise PermissionDenied
    return render(request, "marketing/workspace.html", {"funnel": lead_funnel_by_source()})
