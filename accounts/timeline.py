"""The 360° timeline and key figures: extension points for every app.

Another app, in its ``AppConfig.ready()``:

    from accounts import timeline
    timeline.register_kind("ticket", "Tickets", icon="ticket-detailed")
    timeline.register_figure("open_tickets", "Open tickets", open_tickets_for_accounts)

and, in the service that changes its record, inside the same transaction:

    timeline.record(subject=ticket, kind="ticket", title=..., account=ticket.account,
                    access_kind=TimelineEntry.Access.QUEUE, owner=ticket.assignee,
                    team=ticket.queue)

This module imports no other app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import TimelineEntry


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    icon: str


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    compute: Callable  # (account_ids: list[int], user) -> value, one SQL query
    format: str = ""  # "money" | "date" | ""


_kinds: dict[str, Kind] = {}
_figures: dict[str, Figure] = {}


def register_kind(key: str, label: str, icon: str = "circle") -> None:
    _kinds[key] = Kind(key, label, icon)


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind(key: str) -> Kind:
    return _kinds.get(key) or Kind(key, key.replace("_", " ").capitalize(), "circle")


def register_figure(key: str, label: str, compute: Callable, format: str = "") -> None:
    _figures[key] = Figure(key, label, compute, format)


def figures_for(account_ids: list[int], user) -> list[tuple[Figure, object]]:
    """Key figures of one account (with its children, if the caller passes their ids)."""
    return [(figure, figure.compute(account_ids, user)) for figure in _figures.values()]


def record(
    *,
    subject,
    kind: str,
    title: str,
    summary: str = "",
    account=None,
    contact=None,
    actor=None,
    occurred_at=None,
    access_kind: str = TimelineEntry.Access.CUSTOMER,
    owner=None,
    team=None,
    url: str | None = None,
) -> TimelineEntry:
    """Add one entry. A contact's entry also lands on its account's timeline."""
    if account is None and contact is not None and contact.account_id:
        account = contact.account_id
    return TimelineEntry.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        kind=kind,
        title=title[:255],
        summary=summary,
        account_id=getattr(account, "pk", account),
        contact_id=getattr(contact, "pk", contact),
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
        access_kind=access_kind,
        owner_id=getattr(owner, "pk", owner),
        team_id=getattr(team, "pk", team),
        url=url if url is not None else _url_of(subject),
    )


def _url_of(subject) -> str:
    get_url = getattr(subject, "get_absolute_url", None)
    return get_url() if get_url else ""


def for_account(account, user, kinds: list[str] | None = None):
    """Entries of the account and of its contacts, newest first, filtered by access."""
    qs = TimelineEntry.objects.visible_to(user).filter(account=account)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.select_related("actor")


def for_contact(contact, user, kinds: list[str] | None = None):
    qs = TimelineEntry.objects.visible_to(user).filter(contact=contact)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.select_related("actor")
