"""The week/month calendar of one's activities and the private iCalendar feed."""

from __future__ import annotations

import calendar as pycalendar
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from ..forms_activities import (
    start_of_day,
)
from ..models import Activity, CalendarFeed
from ..models.activities import new_feed_token

# -- calendar ----------------------------------------------------------------------------------
CALENDAR_LIMIT = 1500  # a month of a very busy person; more is cut off with a note


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def _shift_month(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


@login_required
def calendar_view(request):
    view = "month" if request.GET.get("view") == "month" else "week"
    day = _parse_day(request.GET.get("date"))
    if not (date(1900, 1, 1) <= day <= date(2999, 12, 31)):
        day = timezone.localdate()
    today = timezone.localdate()
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
        prev_day, next_day = day - timedelta(days=7), day + timedelta(days=7)
        title = _week_title(first, last)
    else:
        month_start = day.replace(day=1)
        month_end = _shift_month(month_start, 1) - timedelta(days=1)
        first = month_start - timedelta(days=month_start.weekday())
        last = month_end + timedelta(days=6 - month_end.weekday())
        prev_day, next_day = _shift_month(day, -1), _shift_month(day, 1)
        title = day.strftime("%B %Y")

    activities = list(
        Activity.objects.visible_to(request.user)
        .filter(
            assigned_to=request.user,
            starts_at__gte=start_of_day(first),
            starts_at__lt=start_of_day(last + timedelta(days=1)),
        )
        .select_related("account", "contact")
        .order_by("starts_at", "id")[: CALENDAR_LIMIT + 1]
    )
    truncated = len(activities) > CALENDAR_LIMIT
    by_day: dict[date, list] = {}
    for activity in activities[:CALENDAR_LIMIT]:
        by_day.setdefault(timezone.localtime(activity.starts_at).date(), []).append(activity)

    days = []
    current = first
    while current <= last:
        days.append(
            {
                "date": current,
                "items": by_day.get(current, []),
                "today": current == today,
                "in_month": view == "week" or current.month == day.month,
                "weekend": current.weekday() >= 5,
            }
        )
        current += timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    ctx = {
        "view": view,
        "day": day,
        "today": today,
        "title": title,
        "weeks": weeks,
        "days": days,
        "weekdays": [pycalendar.day_abbr[i] for i in range(7)],
        "prev_day": prev_day,
        "next_day": next_day,
        "count": min(len(activities), CALENDAR_LIMIT),
        "truncated": truncated,
        "month_cell_limit": 4,
    }
    return render(request, "accounts/calendar.html", ctx)


def _week_title(first: date, last: date) -> str:
    if first.month == last.month:
        return f"{first.day}–{last.day} {first:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


# -- the private iCalendar feed ---------------------------------------------------------------
FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=365)
FEED_KINDS = (Activity.Kind.MEETING, Activity.Kind.CALL, Activity.Kind.TASK)
DEFAULT_MINUTES = {Activity.Kind.MEETING: 60, Activity.Kind.CALL: 15, Activity.Kind.TASK: 15}


def _feed_url(request, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("accounts:calendar_feed", args=[feed.token]))


@login_required
def calendar_subscribe(request):
    feed, _ = CalendarFeed.objects.get_or_create(user=request.user)
    feed_url = _feed_url(request, feed)
    ctx = {"feed": feed, "feed_url": feed_url, "webcal_url": "webcal://" + feed_url.split("://")[1]}
    return render(request, "accounts/calendar_subscribe.html", ctx)


@login_required
@require_POST
def calendar_feed_reset(request):
    """A new secret: the old URL answers 404 from now on."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=request.user)
        if not created:
            feed.token = new_feed_token()
            feed.save(update_fields=["token"])
    messages.success(
        request, "Your calendar link was reset. Subscribe again with the new link below."
    )
    return HttpResponseRedirect(reverse("accounts:calendar_subscribe"))


@never_cache
def calendar_feed(request, token):
    """No login: the token is the credential. One indexed lookup on the unique token, then a
    constant-time comparison; an unknown token, or an inactive user, answers 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not constant_time_compare(feed.token, token):
        raise Http404
    user = feed.user
    if not (user.is_active and user.role):
        raise Http404
    now = timezone.now()
    activities = (
        Activity.objects.visible_to(user)
        .filter(
            assigned_to=user,
            kind__in=FEED_KINDS,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_FUTURE,
        )
        .select_related("account", "contact")
        .order_by("starts_at", "id")
    )
    body = build_ical(user, activities.iterator(chunk_size=500), base_url=_site_url(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="crm-activities.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _site_url(request) -> str:
    return (getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")).rstrip("/")


def build_ical(user, activities, *, base_url: str) -> bytes:
    """An RFC 5545 calendar: the icalendar library escapes every text value, folds lines at
    75 octets and ends them with CRLF. Times are in UTC, so no VTIMEZONE is needed."""
    host = urlsplit(base_url).hostname or "crm.invalid"
    cal = Calendar()
    cal.add("prodid", "-//Open CRM//Activities feed 1.0//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"CRM – {user.get_full_name() or user.username}"
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-caldesc", "Your calls, meetings and tasks in the CRM")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for activity in activities:
        cal.add_component(_vevent(activity, host=host, base_url=base_url))
    return cal.to_ical()


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _vevent(activity: Activity, *, host: str, base_url: str) -> Event:
    event = Event()
    start = _utc(activity.starts_at)
    minutes = activity.duration_minutes or DEFAULT_MINUTES.get(activity.kind, 30)
    summary = f"{activity.get_kind_display()}: {activity.subject}"
    if activity.kind == Activity.Kind.TASK and activity.done:
        summary = f"✓ {summary}"
    url = base_url + activity.get_absolute_url()
    lines = [activity.body.strip()] if activity.body.strip() else []
    if activity.account_id:
        lines.append(f"Account: {activity.account}")
    if activity.contact_id:
        lines.append(f"Contact: {activity.contact}")
    if activity.outcome:
        lines.append(f"Outcome: {activity.outcome}")
    lines.append(f"Open in the CRM: {url}")

    event.add("uid", f"activity-{activity.pk}@{host}")
    event.add("dtstamp", _utc(activity.updated_at))
    event.add("created", _utc(activity.created_at))
    event.add("last-modified", _utc(activity.updated_at))
    event.add("summary", summary)
    event.add("description", "\n\n".join(lines))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=max(minutes, 1)))
    event.add("status", "CONFIRMED")
    event.add("categories", [activity.get_kind_display()])
    event.add("url", url)
    event.add("class", "PRIVATE")
    # A task is a reminder, not a block of busy time.
    event.add("transp", "TRANSPARENT" if activity.kind == Activity.Kind.TASK else "OPAQUE")
    return event


urlpatterns = [
    path("calendar/", calendar_view, name="calendar"),
    path("calendar/subscribe/", calendar_subscribe, name="calendar_subscribe"),
    path("calendar/subscribe/reset/", calendar_feed_reset, name="calendar_feed_reset"),
    re_path(
        r"^calendar/feed/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$",
        calendar_feed,
        name="calendar_feed",
    ),
]
