"""The customer's page: ``/q/<token>/`` (no login, no app shell, not indexed).

The signed token names one quote version (``tokens``); with it the customer reads that quote,
downloads its PDF, accepts it (typing their name) or declines it. A tampered token answers
404; an expired quote or a superseded version shows why, and nothing changes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from ..models import Quote
from . import pdf, tokens, workflow
from .forms import AcceptForm, DeclineForm

TEMPLATE = "sales/quotes/public_quote.html"


def _headers(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    # the token never leaks to other sites ("no-referrer" would make Chromium send
    # "Origin: null" with the accept form, which CSRF protection rightly refuses)
    response["Referrer-Policy"] = "same-origin"
    return response


def _page(request, ctx, status=200, template=TEMPLATE):
    return _headers(render(request, template, ctx, status=status))


def _quote(token):
    queryset = Quote.objects.select_related("account", "contact", "owner", "opportunity")
    return tokens.quote_for_token(token, queryset)


def _newest(quote: Quote) -> Quote | None:
    """The latest version of the same quote number, if the customer has been sent it."""
    latest = Quote.objects.filter(number=quote.number).order_by("-version").first()
    if latest and latest.pk != quote.pk and latest.status in (
        Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.DECLINED
    ):  # fmt: skip
        return latest
    return None


def _state_page(request, quote, state, status=200):
    ctx = {"quote": quote, "state": state, "owner": quote.owner}
    if state == "superseded":
        newer = _newest(quote)
        ctx["newer_link"] = tokens.public_path(newer) if newer else ""
    return _page(request, ctx, status, "sales/quotes/public_state.html")


def _context(request, token, quote, **extra):
    ctx = pdf.document_context(quote)
    ctx.update(
        {
            "token": token,
            "owner": quote.owner,
            "accept_form": AcceptForm(),
            "decline_form": DeclineForm(),
            "open": quote.status == Quote.Status.SENT,
        }
    )
    ctx.update(extra)
    return ctx


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def public_quote(request, token):
    try:
        quote = _quote(token)
    except tokens.InvalidToken:
        return _page(request, {}, 404, "sales/quotes/public_invalid.html")
    except tokens.ExpiredToken as exc:
        return _state_page(request, exc.quote, "expired", 410)

    if quote.status == Quote.Status.SUPERSEDED:
        return _state_page(request, quote, "superseded", 410)
    if workflow.is_expired(quote):
        return _state_page(request, quote, "expired", 410)
    if quote.status not in (Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.DECLINED):
        # a draft's link (copied too early) or a withdrawn one: nothing to show yet
        return _page(request, {}, 404, "sales/quotes/public_invalid.html")

    if request.method == "POST":
        return _answer(request, token, quote)
    return _page(request, _context(request, token, quote))


def _answer(request, token, quote):
    action = request.POST.get("action")
    if action == "accept":
        form = AcceptForm(request.POST)
        if not form.is_valid():
            return _page(request, _context(request, token, quote, accept_form=form), 400)
        try:
            workflow.accept_quote(quote=quote, name=form.cleaned_data["name"])
        except ValidationError as exc:
            return _refused(request, token, quote, exc, accept_form=form)
    elif action == "decline":
        form = DeclineForm(request.POST)
        if not form.is_valid():
            return _page(request, _context(request, token, quote, decline_form=form), 400)
        try:
            workflow.decline_quote(quote=quote, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            return _refused(request, token, quote, exc)
    else:
        return _page(request, _context(request, token, quote, error="Unknown action."), 400)
    return HttpResponseRedirect(request.path)  # GET shows the accepted/declined page


def _refused(request, token, quote, exc, **forms):
    quote.refresh_from_db()
    if workflow.is_expired(quote):
        return _state_page(request, quote, "expired", 410)
    if quote.status == Quote.Status.SUPERSEDED:
        return _state_page(request, quote, "superseded", 410)
    ctx = _context(request, token, quote, error=" ".join(exc.messages), **forms)
    return _page(request, ctx, 400)


@never_cache
@require_http_methods(["GET"])
def public_quote_pdf(request, token):
    try:
        quote = _quote(token)
    except (tokens.InvalidToken, tokens.ExpiredToken):
        return _page(request, {}, 404, "sales/quotes/public_invalid.html")
    if quote.status not in (Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.DECLINED):
        return _page(request, {}, 404, "sales/quotes/public_invalid.html")
    document = pdf.current_document(quote) or pdf.ensure_document(quote)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(quote)}"'
    return _headers(response)
