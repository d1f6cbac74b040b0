"""The user's notifications: a badge in the navigation bar (loaded by htmx after the page,
so no page pays a query for it), a list, and "mark as read"."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.models import Notification
from core.views.generic import safe_return_url

BADGE_CAP = 99


@login_required
def badge(request):
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    count = len(unread.values_list("pk", flat=True)[: BADGE_CAP + 1])
    return render(request, "core/_notification_badge.html", {"count": count, "cap": BADGE_CAP})


@login_required
def notification_list(request):
    notes = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(notes, 25).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk=None):
    """One notification (then open its link), or all of them."""
    mine = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if pk is None:
        mine.update(read_at=timezone.now())
        return HttpResponseRedirect(safe_return_url(request, "/notifications/"))
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    mine.filter(pk=note.pk).update(read_at=timezone.now())
    return HttpResponseRedirect(note.url if note.url.startswith("/") else "/notifications/")
