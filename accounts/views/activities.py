"""Activities (list, detail, edit, bulk, export), the Done button, quick logging on customer
pages and "My day". The calendar and the iCalendar feed are in ``calendar``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST

from core import access
from core.access import Action
from core.forms import record_id
from core.views.generic import RecordViews, safe_return_url

from ..forms_activities import (
    LOGGED_KINDS,
    TODO_KINDS,
    ActivityBulkEditForm,
    ActivityFilterSet,
    ActivityForm,
    QuickLogForm,
    start_of_day,
)
from ..models import Activity
from ..services import activity_complete, activity_delete, activity_save
from ..tables_activities import KIND_ICONS, ActivityTable
from . import calendar

TIMELINE_CHANGED = "timelineChanged"
DETAIL_LABELS = {"duration minutes": "Duration (minutes)", "starts_at": "When / due"}


# -- list, detail, create/edit, delete, bulk, export -----------------------------------------
class ActivityViews(RecordViews):
    model = Activity
    namespace = "accounts"
    queryset = Activity.objects.select_related("assigned_to", "team", "account", "contact")
    filterset_class = ActivityFilterSet
    table_class = ActivityTable
    form_class = ActivityForm
    bulk_edit_form = ActivityBulkEditForm
    detail_template = "accounts/activity_detail.html"
    detail_fields = (
        "kind", "starts_at", "duration_minutes", "assigned_to", "team", "account", "contact",
        "done", "done_at", "outcome", "body",
    )  # fmt: skip
    export_fields = (
        "id", "kind", "subject", "starts_at", "duration_minutes", "done", "done_at", "outcome",
        "assigned_to__username", "team__name", "account__name", "contact__first_name",
        "contact__last_name", "body",
    )  # fmt: skip

    @classmethod
    def initial_for_create(cls, request) -> dict:
        user = request.user
        initial = {"assigned_to": user.pk, "kind": Activity.Kind.TASK}
        if user.team_ids:
            initial["team"] = min(user.team_ids)
        return initial

    @classmethod
    def save(cls, *, form, user, created: bool):
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        return activity_save(activity=None if created else form.instance, data=data, by=user)

    @classmethod
    def delete(cls, *, obj, user) -> None:
        activity_delete(activity=obj, by=user)

    @classmethod
    def bulk_update(cls, *, obj, changes: dict, user) -> None:
        activity_save(activity=obj, data=changes, by=user)

    @classmethod
    def detail_rows(cls, obj):
        rows = []
        for label, value in super().detail_rows(obj):
            if label == "body":  # shown in full next to the facts
                continue
            if isinstance(value, datetime):
                value = date_format(timezone.localtime(value), "D j M Y, H:i")
            rows.append((DETAIL_LABELS.get(str(label), label), value))
        return rows

    @classmethod
    def detail_context(cls, request, obj) -> dict:
        return {"history": _history(obj), "kind_icon": KIND_ICONS.get(obj.kind, "circle")}


def _history(activity, limit=20) -> list[dict]:
    """Who changed what and when: one query, the diffs computed between consecutive versions."""
    versions = list(activity.history.select_related("history_user")[: limit + 1])
    entries = []
    for i, version in enumerate(versions[:limit]):
        older = versions[i + 1] if i + 1 < len(versions) else None
        changes = []
        if older is not None and version.history_type == "~":
            delta = version.diff_against(older, excluded_fields=["done_at"])
            for change in delta.changes:
                label = Activity._meta.get_field(change.field).verbose_name
                changes.append((label, change.old, change.new))
        entries.append({"version": version, "changes": changes})
    return entries


# -- the Done button ---------------------------------------------------------------------------
class DoneForm(forms.Form):
    outcome = forms.CharField(max_length=200, required=False, strip=True)


@login_required
@require_POST
def activity_done(request, pk):
    activity = get_object_or_404(ActivityViews.get_queryset(), pk=pk)
    access.check(request.user, activity, Action.CHANGE)
    form = DoneForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(
                "Outcome: at most 200 characters.", status=400, content_type="text/plain"
            )
        messages.error(request, "The outcome may have at most 200 characters.")
        return HttpResponseRedirect(safe_return_url(request, activity.get_absolute_url()))
    outcome = form.cleaned_data["outcome"]
    if not activity.done:
        activity = activity_complete(activity=activity, by=request.user, outcome=outcome)
    elif outcome and outcome != activity.outcome:
        activity = activity_save(activity=activity, data={"outcome": outcome}, by=request.user)
    if request.htmx:
        template = (
            "accounts/_activity_item.html"
            if request.POST.get("render") == "item"
            else "accounts/_activity_status.html"
        )
        ctx = {"activity": activity, "can_change": True, "just_done": True}
        response = render(request, template, ctx)
        response["HX-Trigger"] = json.dumps({TIMELINE_CHANGED: {}, "activityDone": activity.pk})
        return response
    messages.success(request, f"Done: “{activity.subject}”.")
    return HttpResponseRedirect(safe_return_url(request, activity.get_absolute_url()))


# -- quick logging on account and contact pages ----------------------------------------------
QUICK_FIELDS = QuickLogForm.Meta.fields


@login_required
@require_http_methods(["GET", "POST"])
def activity_quick_add(request):
    """GET re-renders the partial (kind switched: its defaults change); POST logs."""
    access.check_add(request.user, Activity)
    source = request.POST if request.method == "POST" else request.GET
    account, contact = _customer_from(source)
    if request.method == "GET":
        form = _fresh_quick_form(request, source.get("kind", ""), account, contact, keep=source)
        return _render_quick(request, form, account, contact)

    form = QuickLogForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_quick(request, form, account, contact, status=400)
    data = {name: form.cleaned_data.get(name) for name in QUICK_FIELDS}
    if data["starts_at"] is None and data["kind"] in LOGGED_KINDS:
        data["starts_at"] = timezone.now()
    with transaction.atomic():
        activity = activity_save(activity=None, data=data, by=request.user)
    if not request.htmx:  # no JavaScript: back to the customer page
        messages.success(request, f"Logged {activity}.")
        target = (contact or account).get_absolute_url() if (contact or account) else "/"
        return HttpResponseRedirect(safe_return_url(request, target))
    fresh = _fresh_quick_form(request, activity.kind, account, contact)
    response = _render_quick(request, fresh, account, contact, logged=activity)
    response["HX-Trigger"] = json.dumps({TIMELINE_CHANGED: {}})
    return response


def _customer_from(source):
    """The account and contact the partial is for (readable by anyone with a role)."""
    from ..models import Account, Contact

    def _get(queryset, value):
        pk = record_id(value)
        return None if pk is None else queryset.filter(pk=pk).first()

    contact = _get(Contact.objects.select_related("account"), source.get("contact"))
    account = _get(Account.objects.all(), source.get("account"))
    if account is None and contact is not None and contact.account_id:
        account = contact.account
    return account, contact


def _fresh_quick_form(request, kind, account, contact, keep=None):
    initial = QuickLogForm.initial_for(
        kind=kind, user=request.user, account=account, contact=contact
    )
    for name in ("subject", "body", "outcome", "duration_minutes", "assigned_to"):
        if keep is not None and keep.get(name):
            initial[name] = keep.get(name)
    return QuickLogForm(initial=initial, user=request.user)


def _render_quick(request, form, account, contact, *, logged=None, status=200):
    ctx = {
        "quick_form": form,
        "account": account,
        "contact": contact,
        "logged": logged,
        "quick_return_url": safe_return_url(request, ""),
    }
    return render(request, "accounts/_log_activity.html", ctx, status=status)


# -- My day ------------------------------------------------------------------------------------
@dataclass
class Group:
    key: str
    label: str
    items: list = field(default_factory=list)
    more: bool = False  # more rows than shown
    more_url: str = ""


MY_DAY_LIMIT = 50


def my_day_groups(user, now=None) -> list[Group]:
    """Open tasks, meetings and calls assigned to the user: overdue, today, next 7 days, and
    tasks with no due date. Four small indexed queries (activity_todo_idx), whatever the rows."""
    now = timezone.localtime(now)
    today = now.date()
    day_start = start_of_day(today)
    tomorrow = start_of_day(today + timedelta(days=1))
    week_end = start_of_day(today + timedelta(days=8))
    base = (
        Activity.objects.visible_to(user)
        .filter(assigned_to=user, done=False, kind__in=TODO_KINDS)
        .select_related("account", "contact")
    )
    list_url = reverse("accounts:activity_list")
    specs = [
        ("overdue", "Overdue", base.filter(starts_at__lt=day_start).order_by("-starts_at", "-id"),
         f"{list_url}?assigned_to={user.pk}&done=false&due_to={today - timedelta(days=1)}"),
        ("today", "Today", base.filter(starts_at__gte=day_start, starts_at__lt=tomorrow)
         .order_by("starts_at", "id"), ""),
        ("upcoming", "Next 7 days", base.filter(starts_at__gte=tomorrow, starts_at__lt=week_end)
         .order_by("starts_at", "id"), ""),
        ("someday", "No due date", base.filter(starts_at__isnull=True, kind=Activity.Kind.TASK)
         .order_by("-created_at", "-id"), ""),
    ]  # fmt: skip
    groups = []
    for key, label, qs, more_url in specs:
        items = list(qs[: MY_DAY_LIMIT + 1])
        more = len(items) > MY_DAY_LIMIT
        groups.append(Group(key, label, items[:MY_DAY_LIMIT], more, more_url))
    return groups


@login_required
def my_day(request):
    now = timezone.localtime()
    groups = my_day_groups(request.user, now)
    ctx = {
        "groups": groups,
        "now": now,
        "counts": {g.key: len(g.items) for g in groups},
        "more": {g.key: g.more for g in groups},
    }
    if request.GET.get("fragment") == "card":  # the card on the workspaces (loaded by htmx)
        return render(request, "accounts/_my_day_card.html", ctx)
    return render(request, "accounts/my_day.html", ctx)


# -- URLs --------------------------------------------------------------------------------------
urlpatterns = [
    path("activities/quick-add/", activity_quick_add, name="activity_quick_add"),
    path("activities/<int:pk>/done/", activity_done, name="activity_done"),
    path("activities/", include(ActivityViews.urls())),
    path("my-day/", my_day, name="my_day"),
    *calendar.urlpatterns,
]
