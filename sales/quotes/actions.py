"""The buttons of the quote page that move it through its life (POST, CSRF-protected)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from core.access import Action

from . import services, workflow
from .forms import DecisionForm
from .views import get_quote, render_detail


def _refused(request, quote, exc: ValidationError):
    return render_detail(request, quote, 400, error=" ".join(exc.messages))


@login_required
@require_POST
def quote_request_approval(request, pk):
    quote = get_quote(request, pk, Action.CHANGE)
    try:
        workflow.request_approval(quote=quote, by=request.user)
    except ValidationError as exc:
        return _refused(request, quote, exc)
    messages.success(request, "Approval requested: the team's sales manager has been notified.")
    return HttpResponseRedirect(quote.get_absolute_url())


def _decide(request, pk, approve: bool):
    quote = get_quote(request, pk)  # unreadable -> 404
    if not workflow.can_approve(request.user, quote):
        raise PermissionDenied("Only a sales manager of the quote's team can decide.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render_detail(request, quote, 400, decision_form=form)
    try:
        workflow.decide_approval(
            quote=quote, approve=approve, by=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
            return render_detail(request, quote, 400, decision_form=form)
        return _refused(request, quote, exc)
    verb = "approved" if approve else "rejected"
    messages.success(request, f"Discount {verb}; the rep has been notified.")
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@require_POST
def quote_approve(request, pk):
    return _decide(request, pk, approve=True)


@login_required
@require_POST
def quote_reject(request, pk):
    return _decide(request, pk, approve=False)


@login_required
@require_POST
def quote_send(request, pk):
    quote = get_quote(request, pk, Action.CHANGE)
    try:
        workflow.send_quote(quote=quote, by=request.user)
    except ValidationError as exc:
        return _refused(request, quote, exc)
    messages.success(
        request,
        f"Quote sent: the PDF and the link are on their way to {quote.contact} "
        f"({quote.contact.email}).",
    )
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@require_POST
def quote_revise(request, pk):
    quote = get_quote(request, pk, Action.CHANGE)
    try:
        new = workflow.revise_quote(quote=quote, by=request.user)
    except ValidationError as exc:
        return _refused(request, quote, exc)
    messages.success(
        request, f"Version {new.version} created; version {quote.version} is kept, read-only."
    )
    return HttpResponseRedirect(new.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def quote_delete(request, pk):
    """*Delete* on a draft: a confirmation page (GET), then the deletion (POST). Anything but
    a draft is refused with the reason (409), nothing deleted."""
    quote = get_quote(request, pk, Action.DELETE)
    if not services.can_delete(quote):
        error = (
            f"Quote {quote} is {quote.get_status_display().lower()}: only a draft can be deleted."
        )
        return render_detail(request, quote, 409, error=error)
    if request.method == "GET":
        return render(request, "sales/quotes/quote_delete.html", {"quote": quote})
    try:
        previous = services.delete_quote(quote=quote, by=request.user)
    except ValidationError as exc:  # changed meanwhile (sent for approval, sent, …)
        return render_detail(request, get_quote(request, pk), 409, error=" ".join(exc.messages))
    text = f"Quote {quote} deleted."
    if previous is not None:
        text += f" Version {previous.version} is the current one again."
    messages.success(request, text)
    return HttpResponseRedirect(quote.opportunity.get_absolute_url())
