from django.db.models import Count, Q

from .models import Ticket

OPEN_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)


def agent_figures(user) -> dict:
    tickets = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    return tickets.aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(assignee=user)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        urgent=Count("pk", filter=Q(priority=Ticket.Priority.URGENT)),
    )


def oldest_open(user, limit=10):
    return (
        Ticket.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("queue", "assignee")
        .order_by("created_at")[:limit]
    )


def tickets_by_queue(user) -> list[dict]:
    return list(
        Ticket.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .values("queue__name")
        .annotate(open=Count("pk"), urgent=Count("pk", filter=Q(priority="urgent")))
        .order_by("queue__name")
    )
