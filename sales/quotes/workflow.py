"""A quote's life: approval of a discount above the owner's limit, sending, revisions (new
versions), the customer's acceptance or refusal through the public link, and expiry.

Draft ─▶ (pending approval ─▶ approved | rejected) ─▶ sent ─▶ accepted | declined | expired.
Revising a sent (approved, declined, expired) quote copies it into version n+1 (a draft); the
old version becomes ``superseded``: read-only, still readable, its link says a newer exists.

Every function locks the quote's row first (``select_for_update``): two clicks, two managers
or a customer and a rep acting at once are serialised, and the second sees the first's result.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from catalog import money
from core import events
from core.access import active_role
from core.notifications import notify
from users.models import Role, User

from ..models import Quote, QuoteApproval, QuoteLine
from .base import (
    QuoteError,
    changed,
    check_currency,
    lock,
    new_nonce,
    recompute,
    record_timeline,
)

REVISABLE = (
    Quote.Status.SENT,
    Quote.Status.APPROVED,
    Quote.Status.DECLINED,
    Quote.Status.EXPIRED,
)
SENDABLE = (Quote.Status.DRAFT, Quote.Status.REJECTED, Quote.Status.APPROVED)
EXPIRING = (Quote.Status.SENT, Quote.Status.APPROVED)


# -- approval ---------------------------------------------------------------------------------


def discount_limit(quote: Quote, by=None):
    """The limit that applies: the owner's (the acting user's for a queue quote)."""
    owner = quote.owner if quote.owner_id else by
    return owner.discount_limit if owner is not None else 0


def needs_approval(quote: Quote, by=None) -> bool:
    """Is a discount (line and quote discount together) above the owner's limit?"""
    return quote.max_discount_percent > discount_limit(quote, by)


def can_approve(user, quote: Quote) -> bool:
    """A sales manager of the quote's team, or an administrator. Reps never (their own
    quotes included)."""
    role = active_role(user)
    if role == Role.ADMIN:
        return True
    return (
        role == Role.SALES_MANAGER
        and quote.team_id is not None
        and (quote.team_id in user.team_ids)
    )


def approvers(quote: Quote) -> list[User]:
    """Who is asked: the team's manager and the sales managers among its members; the
    administrators when the quote has no team (or the team has no manager)."""
    people = []
    if quote.team_id:
        people = list(
            User.objects.filter(is_active=True, role=Role.SALES_MANAGER)
            .filter(Q(managed_teams__id=quote.team_id) | Q(memberships__team_id=quote.team_id))
            .distinct()
        )
    if not people:
        people = list(User.objects.filter(is_active=True, role=Role.ADMIN))
    return people


def request_approval(*, quote: Quote, by) -> QuoteApproval:
    with transaction.atomic():
        quote = lock(quote)
        if quote.status not in (Quote.Status.DRAFT, Quote.Status.REJECTED):
            raise QuoteError(
                f"Only a draft can be sent for approval; this quote is "
                f"{quote.get_status_display().lower()}.",
                code="not_draft",
            )
        if not quote.lines.exists():
            raise QuoteError("Add at least one line first.", code="no_lines")
        if not needs_approval(quote, by):
            raise QuoteError(
                "Every discount is within the owner's limit: the quote can be sent as it is.",
                code="no_approval_needed",
            )
        now = timezone.now()
        quote.status = Quote.Status.PENDING_APPROVAL
        quote.approval_requested_at = now
        quote.approval_requested_by = by
        quote.approved_by = None
        quote.approval_decided_at = None
        quote.approval_comment = ""
        quote.save()
        approval = QuoteApproval.objects.create(
            quote=quote, requested_by=by, discount_percent=quote.max_discount_percent
        )
        subject = (
            f"Approval needed: quote {quote} ({quote.max_discount_percent} % discount, "
            f"{money.display(quote.total, quote.currency)})"
        )
        body = (
            f"{by} asks for approval of a {quote.max_discount_percent} % discount on quote "
            f"{quote} “{quote.title}” (limit {discount_limit(quote, by)} %)."
        )
        for manager in approvers(quote):
            notify(manager, subject, body, quote.get_absolute_url())
        changed(quote)
    return approval


def decide_approval(*, quote: Quote, approve: bool, by, comment: str = "") -> Quote:
    comment = (comment or "").strip()
    with transaction.atomic():
        quote = lock(quote)
        if not can_approve(by, quote):
            raise PermissionDenied("Only a sales manager of the quote's team can decide.")
        if quote.status != Quote.Status.PENDING_APPROVAL:
            raise QuoteError(
                f"This quote is not waiting for approval (it is "
                f"{quote.get_status_display().lower()}).",
                code="not_pending",
            )
        if not approve and not comment:
            raise ValidationError({"comment": "Say why the discount is rejected."})
        now = timezone.now()
        decision = QuoteApproval.Decision.APPROVED if approve else QuoteApproval.Decision.REJECTED
        QuoteApproval.objects.filter(quote=quote, decision=QuoteApproval.Decision.PENDING).update(
            decision=decision, decided_by=by, decided_at=now, comment=comment
        )
        quote.status = Quote.Status.APPROVED if approve else Quote.Status.REJECTED
        quote.approved_by = by if approve else None
        quote.approval_decided_at = now
        quote.approval_comment = comment
        quote.save()
        verb = "approved" if approve else "rejected"
        body = f"{by} {verb} the discount of quote {quote} “{quote.title}”." + (
            f"\n\n{comment}" if comment else ""
        )
        told = set()
        for person in (quote.approval_requested_by, quote.owner):
            if person is not None and person.pk not in told:
                told.add(person.pk)
                notify(person, f"Quote {quote} {verb}", body, quote.get_absolute_url())
    return quote


# -- sending ----------------------------------------------------------------------------------


def send_quote(*, quote: Quote, by) -> Quote:
    """Mark the quote sent; the worker renders its PDF and e-mails it to the contact with
    the public link (outbox ``quote.sent``, exactly one e-mail per version)."""
    with transaction.atomic():
        quote = lock(quote)
        if quote.status not in SENDABLE:
            raise QuoteError(
                f"This quote is {quote.get_status_display().lower()} and cannot be sent.",
                code="not_sendable",
            )
        if quote.status != Quote.Status.APPROVED and needs_approval(quote, by):
            raise QuoteError(
                f"A discount of {quote.max_discount_percent} % is above the limit of "
                f"{discount_limit(quote, by)} %: request a manager's approval first.",
                code="needs_approval",
            )
        problems = []
        if not quote.lines.exists():
            problems.append("Add at least one line.")
        if quote.contact_id is None or not quote.contact.email:
            problems.append("Choose a contact with an e-mail address to send the quote to.")
        if quote.valid_until < timezone.localdate():
            problems.append("The validity date is in the past: choose a later one.")
        if not (quote.account_id or quote.opportunity.account_id):
            problems.append("The opportunity has no account (an order needs a customer).")
        if problems:
            raise QuoteError(" ".join(problems), code="incomplete")
        check_currency(quote.currency)
        quote.status = Quote.Status.SENT
        quote.sent_at = timezone.now()
        quote.token_nonce = quote.token_nonce or new_nonce()
        quote.save()
        events.record("quote.sent", {"quote_id": quote.pk})
        record_timeline(
            quote,
            f"Quote {quote} sent to {quote.contact}: {money.display(quote.total, quote.currency)}",
            by=by,
        )
    return quote


# -- versions ---------------------------------------------------------------------------------


def revise_quote(*, quote: Quote, by) -> Quote:
    """Version n+1: a draft copy of the quote and its lines; the old version is superseded."""
    with transaction.atomic():
        old = lock(quote)
        if old.status not in REVISABLE:
            raise QuoteError(
                f"Only a sent, approved, declined or expired quote is revised (this one is "
                f"{old.get_status_display().lower()}).",
                code="not_revisable",
            )
        version = Quote.objects.filter(number=old.number).aggregate(v=Max("version"))["v"] + 1
        today = timezone.localdate()
        new = Quote.objects.create(
            number=old.number,
            version=version,
            previous=old,
            opportunity_id=old.opportunity_id,
            account_id=old.account_id,
            contact_id=old.contact_id,
            title=old.title,
            currency=old.currency,
            price_book_id=old.price_book_id,
            valid_until=max(old.valid_until, today + datetime.timedelta(days=30)),
            terms=old.terms,
            discount_percent=old.discount_percent,
            shipping=old.shipping,
            owner_id=old.owner_id,
            team_id=old.team_id,
            token_nonce=new_nonce(),
        )
        lines = [
            QuoteLine(
                quote=new,
                position=line.position,
                product_id=line.product_id,
                configuration=line.configuration,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                book_price=line.book_price,
                discount_percent=line.discount_percent,
                tax_rate=line.tax_rate,
            )
            for line in old.lines.order_by("position", "id")
        ]
        QuoteLine.objects.bulk_create(lines)
        recompute(new, lines)
        old.status = Quote.Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        changed(new)
    return new


def reinstate(old: Quote) -> None:
    """Version n is current again (its draft revision n+1 was deleted): it takes back the
    state it was revised from, read from its own record: declined by the customer, sent, or
    approved; expired if its validity passed meanwhile (as ``expire_quotes`` would do).
    Call with ``old`` locked."""
    if old.status != Quote.Status.SUPERSEDED:
        return
    if old.declined_at is not None:
        status = Quote.Status.DECLINED
    elif old.valid_until < timezone.localdate():
        status = Quote.Status.EXPIRED
    elif old.sent_at is not None:
        status = Quote.Status.SENT
    else:
        status = Quote.Status.APPROVED
    old.status = status
    old.save(update_fields=["status", "updated_at"])


# -- the customer's answer (public link) --------------------------------------------------------


def is_expired(quote: Quote) -> bool:
    return quote.status == Quote.Status.EXPIRED or (
        quote.status in EXPIRING and quote.valid_until < timezone.localdate()
    )


def _customer_can_answer(quote: Quote) -> None:
    if is_expired(quote):
        raise QuoteError("This quote has expired.", code="expired")
    if quote.status == Quote.Status.SUPERSEDED:
        raise QuoteError("A newer version of this quote exists.", code="superseded")
    if quote.status != Quote.Status.SENT:
        raise QuoteError(f"This quote is {quote.get_status_display().lower()}.", code="not_open")


def won_amount(quote: Quote, opportunity) -> Decimal:
    """What the deal won by accepting ``quote``: its total (the order's total) in the deal's
    currency, converted at today's rate when the two differ."""
    if quote.currency == opportunity.currency:
        return quote.total
    return money.convert(quote.total, quote.currency, opportunity.currency)


def accept_quote(*, quote: Quote, name: str) -> tuple[Quote, object]:
    """The customer accepts (typing their name): the deal is won at the quote's total and its
    order created, once, in one transaction (so the account's won revenue, the forecast rollup
    and the dashboards read the order's figure). A second click finds the quote accepted and
    returns the same order."""
    from billing.services import order_from_quote

    from ..pipeline.services import opportunity_close

    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValidationError({"name": "Type your name to accept the quote."})
    with transaction.atomic():
        quote = lock(quote)
        if quote.status == Quote.Status.ACCEPTED:
            return quote, order_from_quote(quote=quote, by=quote.owner)
        _customer_can_answer(quote)
        quote.status = Quote.Status.ACCEPTED
        quote.accepted_at = timezone.now()
        quote.accepted_by_name = name
        quote.save()
        opportunity = quote.opportunity
        opportunity_close(
            opportunity=opportunity,
            won=True,
            by=quote.owner,
            amount=won_amount(quote, opportunity),
        )
        order = order_from_quote(quote=quote, by=quote.owner)
        record_timeline(
            quote,
            f"Quote {quote} accepted by {name}: {money.display(quote.total, quote.currency)}",
            summary=f"Order {order.number}",
        )
        notify(
            quote.owner,
            f"Quote {quote} accepted by {name}",
            f"{name} accepted quote {quote} “{quote.title}” "
            f"({money.display(quote.total, quote.currency)}). "
            f"The deal is won and order {order.number} was created.",
            quote.get_absolute_url(),
        )
    return quote, order


def decline_quote(*, quote: Quote, reason: str = "") -> Quote:
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        quote = lock(quote)
        if quote.status == Quote.Status.DECLINED:
            return quote
        _customer_can_answer(quote)
        quote.status = Quote.Status.DECLINED
        quote.declined_at = timezone.now()
        quote.decline_reason = reason
        quote.save()
        record_timeline(quote, f"Quote {quote} declined by the customer", summary=reason)
        notify(
            quote.owner,
            f"Quote {quote} declined",
            f"The customer declined quote {quote} “{quote.title}”."
            + (f"\n\nReason: {reason}" if reason else ""),
            quote.get_absolute_url(),
        )
    return quote


# -- expiry -----------------------------------------------------------------------------------


def expire_quotes(today: datetime.date | None = None) -> int:
    """Sent or approved quotes past their validity become expired (one UPDATE; running it
    again changes nothing)."""
    today = today or timezone.localdate()
    return Quote.objects.filter(status__in=EXPIRING, valid_until__lt=today).update(
        status=Quote.Status.EXPIRED, updated_at=timezone.now()
    )
