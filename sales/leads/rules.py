"""The assignment rules page (sales managers and administrators): the ordered rules (add,
edit, delete, move up/down or drag), the reps' capacity and away flags per team, and a button
that runs the rules over the unassigned queue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.access import active_role
from users.models import Role, Team, TeamMembership, User
from users.roles import SALES_MANAGERS

from ..models import AssignmentRule, Lead
from .assignment import OPEN, assign_leads
from .rule_forms import AssignmentRuleForm

QUEUE_RUN_LIMIT = 10_000


def _guard(request):
    if active_role(request.user) not in SALES_MANAGERS:
        raise PermissionDenied


def _teams_for(user):
    """Teams whose capacity the user sets: all sales teams (admin) or their own."""
    teams = Team.objects.filter(kind=Team.Kind.SALES)
    if user.role != Role.ADMIN:
        teams = teams.filter(pk__in=user.team_ids)
    return teams.order_by("name")


def _capacity_rows(teams):
    members = list(
        TeamMembership.objects.filter(team__in=teams, user__role=Role.SALES_REP)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__last_name")
    )
    open_counts = dict(
        Lead.objects.filter(owner_id__in={m.user_id for m in members}, status__in=OPEN)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_team = {}
    for m in members:
        m.open_leads = open_counts.get(m.user_id, 0)
        m.full = m.max_open_leads is not None and m.open_leads >= m.max_open_leads
        by_team.setdefault(m.team, []).append(m)
    return list(by_team.items())


@login_required
def rules_view(request):
    _guard(request)
    rules = list(
        AssignmentRule.objects.select_related("team").prefetch_related("products")
        .order_by("position", "id")
    )  # fmt: skip
    queue = Lead.objects.filter(owner__isnull=True, converted_at__isnull=True, status__in=OPEN)
    ctx = {
        "rules": rules,
        "capacity": _capacity_rows(_teams_for(request.user)),
        **queue.aggregate(
            queue_count=Count("pk"), teamless_count=Count("pk", filter=Q(team__isnull=True))
        ),
        "list_url": reverse("sales:lead_list"),
        "embed_url": f"{settings.SITE_URL}{reverse('public_lead_form')}",
    }
    return render(request, "sales/leads/rules.html", ctx)


def _renumber(ids: list[int]) -> None:
    rules = {r.pk: r for r in AssignmentRule.objects.select_for_update().filter(pk__in=ids)}
    for position, pk in enumerate(ids, start=1):
        rules[pk].position = position
    AssignmentRule.objects.bulk_update(rules.values(), ["position"])


def _ordered_ids() -> list[int]:
    return list(AssignmentRule.objects.order_by("position", "id").values_list("pk", flat=True))


@login_required
def rule_edit_view(request, pk=None):
    _guard(request)
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else None
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if rule is None:
                last = AssignmentRule.objects.order_by("-position").first()
                obj.position = (last.position + 1) if last else 1
            obj.save()
            form.save_m2m()
        messages.success(request, f"Saved the rule “{obj}”.")
        return HttpResponseRedirect(reverse("sales:lead_rules"))
    return render(
        request,
        "sales/leads/rule_form.html",
        {"form": form, "object": rule},
        status=400 if form.errors else 200,
    )


@login_required
def rule_delete_view(request, pk):
    _guard(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    if request.method == "POST":
        name = str(rule)
        rule.delete()
        messages.success(request, f"Deleted the rule “{name}”.")
        return HttpResponseRedirect(reverse("sales:lead_rules"))
    return render(
        request,
        "generic/object_confirm_delete.html",
        {"object": rule, "model_name": "assignment rule", "return_url": reverse("sales:lead_rules"),
         "list_url": reverse("sales:lead_rules")},
    )  # fmt: skip


@login_required
@require_POST
def rule_move_view(request, pk):
    """Up/down buttons (no JavaScript needed)."""
    _guard(request)
    get_object_or_404(AssignmentRule, pk=pk)
    with transaction.atomic():
        ids = _ordered_ids()
        i = ids.index(pk)
        j = i - 1 if request.POST.get("direction") == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
        _renumber(ids)
    return HttpResponseRedirect(reverse("sales:lead_rules"))


@login_required
@require_POST
def rules_reorder_view(request):
    """Drag and drop (SortableJS + htmx): the full new order of rule ids."""
    _guard(request)
    raw = request.POST.getlist("rule")
    with transaction.atomic():
        current = _ordered_ids()
        try:
            ids = [int(x) for x in raw]
        except ValueError:
            return HttpResponse("Bad order", status=400)
        if sorted(ids) != sorted(current):
            return HttpResponse("The rules changed meanwhile; reload the page.", status=409)
        _renumber(ids)
    return HttpResponse(status=204)


@login_required
@require_POST
def capacity_view(request, team_pk):
    """Capacities (max open leads; empty = no limit) and away flags of a team's reps."""
    _guard(request)
    team = get_object_or_404(_teams_for(request.user), pk=team_pk)
    errors = []
    with transaction.atomic():
        members = list(
            TeamMembership.objects.select_for_update(of=("self",))
            .filter(team=team, user__role=Role.SALES_REP)
            .select_related("user")
        )
        away_ids, here_ids = [], []
        for m in members:
            raw = request.POST.get(f"cap-{m.pk}", "").strip()
            if raw == "":
                m.max_open_leads = None
            elif raw.isdigit() and int(raw) <= 100_000:
                m.max_open_leads = int(raw)
            else:
                errors.append(f"{m.user}: the capacity must be a whole number from 0.")
                continue
            (away_ids if request.POST.get(f"away-{m.pk}") else here_ids).append(m.user_id)
        if errors:
            transaction.set_rollback(True)
        else:
            TeamMembership.objects.bulk_update(members, ["max_open_leads"])
            User.objects.filter(pk__in=away_ids).update(is_away=True)
            User.objects.filter(pk__in=here_ids).update(is_away=False)
    if errors:
        messages.error(request, " ".join(errors))
    else:
        messages.success(request, f"Saved the capacity of {team}.")
    return HttpResponseRedirect(reverse("sales:lead_rules") + f"#team-{team.pk}")


@login_required
@require_POST
def run_queue_view(request):
    """Apply the rules to the unassigned open leads (e.g. after adding a rule or capacity)."""
    _guard(request)
    ids = list(
        Lead.objects.filter(owner__isnull=True, converted_at__isnull=True, status__in=OPEN)
        .filter(Q(team__isnull=True) | Q(team__in=AssignmentRule.objects.values("team")))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:QUEUE_RUN_LIMIT]
    )
    given = assign_leads(ids, by=request.user)
    messages.success(request, f"The rules gave {given} of {len(ids)} waiting leads to a rep.")
    return HttpResponseRedirect(reverse("sales:lead_rules"))


urlpatterns = [
    path("leads/rules/", rules_view, name="lead_rules"),
    path("leads/rules/add/", rule_edit_view, name="lead_rule_add"),
    path("leads/rules/<int:pk>/edit/", rule_edit_view, name="lead_rule_edit"),
    path("leads/rules/<int:pk>/delete/", rule_delete_view, name="lead_rule_delete"),
    path("leads/rules/<int:pk>/move/", rule_move_view, name="lead_rule_move"),
    path("leads/rules/reorder/", rules_reorder_view, name="lead_rules_reorder"),
    path("leads/rules/run/", run_queue_view, name="lead_rules_run"),
    path("leads/rules/teams/<int:team_pk>/capacity/", capacity_view, name="lead_capacity"),
]
