"""The customer's link to one quote version: ``/q/<token>/``.

The token is ``django.core.signing`` (HMAC with ``SECRET_KEY``, salted) of the quote's id, its
version and its ``token_nonce``. Changing any character breaks the signature; the nonce ties it
to this row (a reset nonce revokes every link); its age is checked against the quote's
validity (``max_age``). Nothing else is needed to read the quote: no login.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ..models import Quote

SALT = "sales.quotes.public-link"
# A token is never older than a quote can be valid; the quote's own date decides first.
MAX_VALIDITY = datetime.timedelta(days=3 * 366)


class InvalidToken(Exception):
    """Tampered, truncated or revoked: the page answers 404."""


class ExpiredToken(Exception):
    def __init__(self, quote):
        super().__init__("expired")
        self.quote = quote


def make_token(quote: Quote) -> str:
    return signing.dumps({"q": quote.pk, "v": quote.version, "n": quote.token_nonce}, salt=SALT)


def public_path(quote: Quote) -> str:
    return reverse("public_quote", args=[make_token(quote)])


def public_url(quote: Quote) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{public_path(quote)}"


@dataclass(frozen=True)
class Payload:
    quote_id: int
    version: int
    nonce: str


def _payload(token: str, max_age=None) -> Payload:
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
        return Payload(int(data["q"]), int(data["v"]), str(data["n"]))
    except signing.SignatureExpired:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidToken from exc


def quote_for_token(token: str, queryset=None) -> Quote:
    """The quote the token was made for, or ``InvalidToken`` / ``ExpiredToken``."""
    if len(token) > 300:
        raise InvalidToken
    try:
        payload = _payload(token, max_age=MAX_VALIDITY)
    except signing.SignatureExpired as exc:
        raise InvalidToken from exc
    queryset = queryset if queryset is not None else Quote.objects.all()
    quote = queryset.filter(pk=payload.quote_id).first()
    if (
        quote is None
        or quote.version != payload.version
        or not quote.token_nonce
        or payload.nonce != quote.token_nonce
    ):
        raise InvalidToken
    # The link lives as long as the quote is valid: from the day it was sent to valid_until.
    sent = timezone.localtime(quote.sent_at).date() if quote.sent_at else timezone.localdate()
    validity = datetime.timedelta(days=max((quote.valid_until - sent).days, 0) + 1)
    try:
        _payload(token, max_age=validity)
    except signing.SignatureExpired as exc:
        raise ExpiredToken(quote) from exc
    return quote
