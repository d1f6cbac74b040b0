"""Tickets on the customer's 360° view: a timeline kind, the "open tickets" figure and the
entries a ticket writes (with the ticket's access facts, so only those who may see the
ticket see its entries)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from accounts import timeline
from accounts.models import TimelineEntry

from .models import Ticket

OPEN_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
TRACKED = ("subject", "status", "priority", "queue_id", "assignee_id", "account_id", "contact_id")


def open_tickets(account_ids, user):
    """Open tickets of the accounts that the user may see; None for roles without tickets."""
    if not Ticket.access.can_list(user):
        return None
    return (
        Ticket.objects.visible_to(user)
        .filter(account_id__in=account_ids, status__in=OPEN_STATUSES)
        .aggregate(n=Count("pk"))["n"]
    )


def register():
    timeline.register_kind("ticket", "Tickets", icon="ticket-detailed")
    timeline.register_figure("open_tickets", "Open tickets", open_tickets)


def snapshot(ticket) -> dict:
    return {name: getattr(ticket, name) for name in TRACKED} if ticket else {}


def record_ticket(ticket, *, before: dict, by) -> None:
    """One entry per creation or change; every entry of the ticket follows its current
    account, contact, assignee and queue (who may see it)."""
    TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Ticket), subject_id=ticket.pk
    ).update(
        account_id=ticket.account_id or (ticket.contact.account_id if ticket.contact_id else None),
        contact_id=ticket.contact_id,
        owner_id=ticket.assignee_id,
        team_id=ticket.queue_id,
    )
    if not before:
        title = f"Ticket #{ticket.pk} opened: {ticket.subject}"
    else:
        after = snapshot(ticket)
        changed = [n for n in TRACKED if before.get(n) != after[n]]
        if not changed:
            return
        if changed == ["status"]:
            title = f"Ticket #{ticket.pk} {ticket.get_status_display().lower()}: {ticket.subject}"
        else:
            labels = ", ".join(
                str(Ticket._meta.get_field(n.removesuffix("_id")).verbose_name) for n in changed
            )
            title = f"Ticket #{ticket.pk} changed ({labels}): {ticket.subject}"
    timeline.record(
        subject=ticket,
        kind="ticket",
        title=title,
        summary=ticket.description[:500] if not before else "",
        account=ticket.account_id,
        contact=ticket.contact,
        actor=by,
        access_kind=TimelineEntry.Access.QUEUE,
        owner=ticket.assignee_id,
        team=ticket.queue_id,
    )
