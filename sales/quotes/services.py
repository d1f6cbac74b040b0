"""Every write to a quote goes through here: the pages, the API, the configurator and the demo.

Building a quote (this module): create it from an opportunity, add/change/remove lines, the
quote discount, shipping, terms and validity; totals are recomputed (``totals``) in the same
transaction. Its life (approval, sending, revising, the customer's answer, expiry) is in
``workflow``, re-exported here.

Only a draft (or a quote whose approval was rejected) is changed freely; changing an approved
quote sends it back to draft (the approval was for other figures); anything else is refused
with a clear ``QuoteError``. Bad values raise ``ValidationError`` and nothing is saved.

A line's ``unit_price`` is the price used; the rep may type one (a negotiated price) instead
of the price book's, which the line keeps as ``book_price``: the approval rule measures the
discount against it (``totals``). Only a draft with no other version after it is deleted
(``delete_quote``), with its lines; the version it revised becomes current again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog import money
from catalog.models import PriceBook

from ..models import Opportunity, Quote, QuoteLine
from .base import (
    EDITABLE,
    QuoteError,
    back_to_draft,
    changed,
    check_currency,
    decimal,
    ensure_editable,
    forget,
    lock,
    new_nonce,
    next_number,
    recompute,
    record_timeline,
)

VALIDITY_DAYS = 30
DEFAULT_TERMS = (
    "Prices are in the quote's currency. Payment within 30 days of the invoice date. "
    "This quote is valid until the date shown."
)
HEADER_FIELDS = ("title", "contact", "valid_until", "terms", "discount_percent", "shipping")


# -- creating ---------------------------------------------------------------------------------


def default_price_book(currency: str) -> PriceBook | None:
    books = PriceBook.objects.filter(active=True)
    return (
        books.filter(is_default=True, currency_id=currency).first()
        or books.filter(is_default=True).first()
        or books.filter(currency_id=currency).order_by("name").first()
    )


def create_quote(*, opportunity: Opportunity, by) -> Quote:
    """Version 1 of a new quote for an open opportunity: its account, contact, currency,
    owner and team; the default price book; valid for ``VALIDITY_DAYS`` days."""
    with transaction.atomic():
        opp = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        if opp.status != Opportunity.Status.OPEN:
            raise QuoteError(
                f"“{opp}” is {opp.get_status_display().lower()}: quotes are made for open deals.",
                code="closed_deal",
            )
        check_currency(opp.currency)
        quote = Quote.objects.create(
            number=next_number(),
            version=1,
            opportunity=opp,
            account_id=opp.account_id,
            contact_id=opp.contact_id,
            title=opp.name[:200],
            currency=opp.currency,
            price_book=default_price_book(opp.currency),
            valid_until=timezone.localdate() + datetime.timedelta(days=VALIDITY_DAYS),
            terms=DEFAULT_TERMS,
            owner_id=opp.owner_id,
            team_id=opp.team_id,
            token_nonce=new_nonce(),
        )
        record_timeline(quote, f"Quote {quote.number} created for “{opp}”", by=by)
    return quote


# -- lines ------------------------------------------------------------------------------------


def _price(product, quote: Quote) -> Decimal:
    """The price-book price in the quote's currency (``MissingRate`` if it can't be
    converted)."""
    from catalog.pricing import price_for

    price, _code = price_for(product, quote.price_book, currency=quote.currency)
    return price


def _configured(product, configuration, quote: Quote) -> tuple[Decimal, str, dict]:
    """The configurator's verdict, price (in the quote's price book and currency) and
    description; the configuration as it normalised it (auto-added values included)."""
    from catalog.configurator import evaluate

    result = evaluate(
        product,
        configuration,
        price_book=quote.price_book,
        currency=quote.currency,
        explain_disabled=False,
    )
    if not result.valid:
        raise ValidationError({"configuration": list(result.errors) or ["Invalid configuration."]})
    return Decimal(result.price), result.description, result.configuration


MAX_PRICE = Decimal(10) ** (QuoteLine._meta.get_field("unit_price").max_digits - 2)


def _typed_price(value, quote: Quote) -> Decimal:
    """A unit price typed by the rep (or sent by a client), rounded like every amount:
    half-up to the quote currency's minor unit. Above the price book's is allowed."""
    price = decimal(value, "The unit price", field="unit_price")
    if price < 0:
        raise ValidationError({"unit_price": "A price cannot be negative."})
    if price >= MAX_PRICE:
        raise ValidationError({"unit_price": "The unit price is too large."})
    return money.quantize(price, quote.currency)


def _validate_line(line: QuoteLine) -> None:
    if line.quantity is not None and line.quantity <= 0:
        raise ValidationError({"quantity": "The quantity must be more than 0."})
    if line.unit_price is not None and line.unit_price < 0:
        raise ValidationError({"unit_price": "A price cannot be negative."})
    line.full_clean(exclude=["quote", "product", "net_amount", "tax_amount", "position"])


def add_line(
    *,
    quote: Quote,
    product,
    quantity,
    discount_percent=0,
    configuration=None,
    unit_price=None,
    by,
) -> QuoteLine:
    """A line for ``product``: its price from the quote's price book (in the quote's
    currency), or the configurator's price and description for a configurable product.
    ``unit_price``: a price the rep typed instead (the book's is kept as ``book_price``)."""
    quantity = decimal(quantity, "The quantity", field="quantity")
    discount_percent = decimal(discount_percent or 0, "The discount", field="discount_percent")
    typed = None if unit_price in (None, "") else _typed_price(unit_price, quote)
    with transaction.atomic():
        quote = lock(quote)
        ensure_editable(quote)
        if not product.active:
            raise ValidationError({"product": f"“{product}” is no longer sold."})
        if product.is_configurable:
            if not configuration:
                raise ValidationError(
                    {"product": f"“{product}” is configurable: use “Configure…” to choose options."}
                )
            unit_price, description, configuration = _configured(product, configuration, quote)
        else:
            configuration = {}
            unit_price = _price(product, quote)
            description = product.name
        position = (quote.lines.aggregate(m=Max("position"))["m"] or 0) + 1
        book_price = money.quantize(unit_price, quote.currency)
        line = QuoteLine(
            quote=quote,
            position=position,
            product=product,
            configuration=configuration,
            description=description,
            quantity=quantity,
            unit_price=book_price if typed is None else typed,
            book_price=book_price,
            discount_percent=discount_percent,
            tax_rate=product.tax_rate,
        )
        _validate_line(line)
        line.save()
        _after_change(quote)
    return line


def update_line(*, line: QuoteLine, by, **changes) -> QuoteLine:
    """Change a line's quantity, discount, description or unit price. ``unit_price``: the
    price used instead of the price book's (a negotiated one, above the book's too); empty
    (``None`` or "") goes back to the price book's."""
    allowed = {"quantity", "discount_percent", "description", "unit_price"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "quantity" in changes:
        changes["quantity"] = decimal(changes["quantity"], "The quantity", field="quantity")
    if "discount_percent" in changes:
        changes["discount_percent"] = decimal(
            changes["discount_percent"] or 0, "The discount", field="discount_percent"
        )
    if changes.get("unit_price") not in (None, ""):
        changes["unit_price"] = _typed_price(changes["unit_price"], line.quote)
    with transaction.atomic():
        quote = lock(line.quote)
        ensure_editable(quote)
        line = QuoteLine.objects.select_for_update().get(pk=line.pk, quote=quote)
        if "unit_price" in changes:
            typed = changes.pop("unit_price")
            if line.book_price is None:  # priced before overrides were kept: remember it
                line.book_price = line.unit_price
            line.unit_price = line.book_price if typed in (None, "") else typed
        for name, value in changes.items():
            setattr(line, name, value)
        if not (line.description or "").strip():
            raise ValidationError({"description": "A line needs a description."})
        _validate_line(line)
        line.save()
        _after_change(quote)
    return line


def remove_line(*, line: QuoteLine, by) -> None:
    with transaction.atomic():
        quote = lock(line.quote)
        ensure_editable(quote)
        QuoteLine.objects.filter(pk=line.pk, quote=quote).delete()
        _after_change(quote)


def _after_change(quote: Quote, extra_fields: list[str] | None = None) -> None:
    fields = back_to_draft(quote) + (extra_fields or [])
    if fields:
        quote.save(update_fields=[*fields, "updated_at"])
    recompute(quote)
    changed(quote)


# -- the quote's own figures ------------------------------------------------------------------


def _deals_with(contact, account_id) -> bool:
    if account_id is None or contact.account_id == account_id:
        return True
    return contact.relations.filter(account_id=account_id, is_active=True).exists()


def update_quote(*, quote: Quote, data: dict, by) -> Quote:
    """Header fields: title, contact, validity, terms, quote discount, shipping."""
    unknown = set(data) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    data = dict(data)
    if "discount_percent" in data:
        data["discount_percent"] = decimal(
            data["discount_percent"] or 0, "The discount", field="discount_percent"
        )
    if "shipping" in data:
        data["shipping"] = decimal(data["shipping"] or 0, "Shipping", field="shipping")
    with transaction.atomic():
        quote = lock(quote)
        ensure_editable(quote)
        for name, value in data.items():
            setattr(quote, name, value)
        if "shipping" in data:
            quote.shipping = money.quantize(quote.shipping, quote.currency)
        if "valid_until" in data and quote.valid_until < timezone.localdate():
            raise ValidationError({"valid_until": "The validity date is in the past."})
        if data.get("contact") is not None and not _deals_with(quote.contact, quote.account_id):
            raise ValidationError(
                {"contact": "Choose a contact of the quote's account (or related to it)."}
            )
        quote.full_clean(exclude=["owner", "team", "opportunity", "account", "price_book",
                                  "previous", "number", "version", "token_nonce"])  # fmt: skip
        _after_change(quote, extra_fields=list(data))
    return quote


# -- deleting a draft ---------------------------------------------------------------------------


def can_delete(quote: Quote) -> bool:
    """Only a draft is deleted (anything else was shown to a manager or a customer)."""
    return quote.status == Quote.Status.DRAFT


def delete_quote(*, quote: Quote, by) -> Quote | None:
    """Delete a draft with its lines (and approvals, PDF), in one transaction. A draft
    revision (version n+1) gives the current place back to version n, which is kept and
    takes back the state it had before the revision. The quote's timeline entries go with it
    and notifications about it lose their link (no dead link anywhere). Returns version n,
    if any."""
    with transaction.atomic():
        quote = lock(quote)
        if not can_delete(quote):
            hint = " Revise it to make a new version." if quote.status in REVISABLE else ""
            raise QuoteError(
                f"Quote {quote} is {quote.get_status_display().lower()}: only a draft can be "
                f"deleted.{hint}",
                code="not_deletable",
            )
        previous = None
        if quote.previous_id is not None:
            previous = Quote.objects.select_for_update().get(pk=quote.previous_id)
            reinstate(previous)
        forget(quote)
        quote.delete()  # its lines, approvals and stored PDF cascade
    return previous


# the quote's life: approval, sending, revisions, the customer's answer, expiry
from .workflow import (  # noqa: E402
    REVISABLE,
    accept_quote,
    can_approve,
    decide_approval,
    decline_quote,
    expire_quotes,
    needs_approval,
    reinstate,
    request_approval,
    revise_quote,
    send_quote,
)

__all__ = [
    "EDITABLE",
    "QuoteError",
    "accept_quote",
    "add_line",
    "can_approve",
    "can_delete",
    "create_quote",
    "decide_approval",
    "decline_quote",
    "delete_quote",
    "expire_quotes",
    "needs_approval",
    "recompute",
    "remove_line",
    "request_approval",
    "revise_quote",
    "send_quote",
    "update_line",
    "update_quote",
]
