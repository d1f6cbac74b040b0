"""Read-only lead queries: the rep workspace, the aggregate funnel marketing may see, the
managers' dashboards."""

from django.db.models import Count, Func, IntegerField, Q, Subquery

from accounts.models import Account
from users.models import User

from ..models import Lead

OPEN_LEAD_STATUSES = (Lead.Status.NEW, Lead.Status.WORKING)


def _count(queryset) -> Subquery:
    """The number of rows of ``queryset`` as a scalar subquery, so that several counters of
    different tables are read in one query."""
    return Subquery(
        queryset.order_by().values(n=Func("pk", function="COUNT", output_field=IntegerField()))
    )


def rep_workspace_figures(user) -> dict:
    """The rep's counters in one query (the workspace is the rep's landing page), whatever
    the data size."""
    leads = Lead.objects.visible_to(user).filter(status__in=OPEN_LEAD_STATUSES)
    return (
        User.objects.filter(pk=user.pk)
        .values(
            my_open_leads=_count(leads.filter(owner=user)),
            queue_leads=_count(leads.filter(owner__isnull=True)),
            my_accounts=_count(Account.objects.filter(owner=user)),
        )
        .get()
    )


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
