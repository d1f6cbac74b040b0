from django.db.models import Count, Q

from accounts.models import Account

from .models import Lead

OPEN_LEAD_STATUSES = (Lead.Status.NEW, Lead.Status.WORKING)


def rep_workspace_figures(user) -> dict:
    """The rep's counters in two queries (leads, accounts), whatever the data size."""
    leads = Lead.objects.visible_to(user).filter(status__in=OPEN_LEAD_STATUSES)
    figures = leads.aggregate(
        my_open_leads=Count("pk", filter=Q(owner=user)),
        queue_leads=Count("pk", filter=Q(owner__isnull=True)),
    )
    figures["my_accounts"] = Account.objects.filter(owner=user).count()
    return figures


def leads_to_call(user, limit=10):
    return (
        Lead.objects.visible_to(user)
        .filter(owner=user, status__in=OPEN_LEAD_STATUSES)
        .select_related("team")
        .order_by("-created_at")[:limit]
    )


def lead_funnel_by_source() -> list[dict]:
    """Aggregate only (no row access): what marketing may see of sales."""
    return list(
        Lead.objects.values("source")
        .annotate(
            total=Count("pk"),
            qualified=Count("pk", filter=Q(status=Lead.Status.QUALIFIED)),
        )
        .order_by("-total")[:20]
    )


def leads_by_team(user) -> list[dict]:
    return list(
        Lead.objects.visible_to(user)
        .filter(status__in=OPEN_LEAD_STATUSES)
        .values("team__name")
        .annotate(open=Count("pk"), unassigned=Count("pk", filter=Q(owner__isnull=True)))
        .order_by("team__name")
    )
