"""The quote pages: list (generic), detail with its line editor, header edit, creation from an
opportunity, the PDF download and the comparison of two versions.

Every view asks ``core.access`` (404 for a quote the user may not read, 403 for a write they
may not make) and writes through ``services``; a refused change re-renders the page with the
message and status 400, nothing saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product
from core import access
from core.access import Action
from core.views.generic import ObjectListView, RecordViews

from ..models import Opportunity, Quote, QuoteLine
from . import pdf, services, tokens, workflow
from .filters import QuoteFilterSet
from .forms import (
    PICKER_SIZE,
    AddLineForm,
    DecisionForm,
    LineForm,
    QuoteHeaderForm,
    pickable_products,
)
from .tables import QuoteTable, status_badge

DETAIL_TEMPLATE = "sales/quotes/quote_detail.html"
CUSTOMER_FACING = (
    Quote.Status.SENT,
    Quote.Status.ACCEPTED,
    Quote.Status.DECLINED,
    Quote.Status.EXPIRED,
)


class QuoteViews(RecordViews):
    model = Quote
    namespace = "sales"
    queryset = Quote.objects.select_related("owner", "team", "account")
    filterset_class = QuoteFilterSet
    table_class = QuoteTable
    allow_bulk_delete = False
    export_fields = ("number", "version", "title", "status", "account__name", "currency",
                     "subtotal", "discount_total", "tax_total", "total", "valid_until",
                     "owner__username", "team__name", "sent_at", "accepted_at",
                     "created_at")  # fmt: skip

    @classmethod
    def urls(cls):
        return [path("", cls.view(ObjectListView), name="quote_list")]


# -- helpers ----------------------------------------------------------------------------------


def get_quote(request, pk, action=Action.VIEW) -> Quote:
    quote = get_object_or_404(
        Quote.objects.select_related(
            "account", "contact", "owner", "team", "opportunity", "previous",
            "approved_by", "approval_requested_by",
        ),
        pk=pk,
    )  # fmt: skip
    access.check(request.user, quote, action)
    return quote


def apply_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form (fields it has; the rest on top)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _top(form) -> str:
    """The form's non-field errors (a refused state change), shown above the page."""
    return " ".join(form.non_field_errors())


def detail_context(request, quote: Quote, **overrides) -> dict:
    user = request.user
    can_change = access.is_allowed(user, quote, Action.CHANGE)
    editable = can_change and quote.status in services.EDITABLE
    ctx = pdf.document_context(quote)
    pending = quote.status == Quote.Status.PENDING_APPROVAL
    over_limit = workflow.needs_approval(quote, user)
    has_lines = bool(ctx["rows"])
    ctx.update(
        {
            "object": quote,
            "status_badge": status_badge(quote),
            "list_url": reverse("sales:quote_list"),
            "can_change": can_change,
            "editable": editable,
            "over_limit": over_limit,
            "limit": workflow.discount_limit(quote, user),
            "can_request_approval": editable
            and quote.status in (Quote.Status.DRAFT, Quote.Status.REJECTED)
            and over_limit
            and has_lines,
            "can_send": can_change
            and has_lines
            and (
                quote.status == Quote.Status.APPROVED
                or (quote.status in (Quote.Status.DRAFT, Quote.Status.REJECTED) and not over_limit)
            ),
            "can_decide": pending and workflow.can_approve(user, quote),
            "can_revise": can_change and quote.status in workflow.REVISABLE,
            "can_delete": services.can_delete(quote)
            and access.is_allowed(user, quote, Action.DELETE),
            "public_link": tokens.public_url(quote) if quote.status in CUSTOMER_FACING else "",
            "versions": list(
                Quote.objects.visible_to(user)
                .filter(number=quote.number)
                .order_by("version")
                .only("pk", "number", "version", "status", "created_at", "total", "currency")
            ),
            "approvals": list(quote.approvals.select_related("requested_by", "decided_by")),
            "add_line_form": AddLineForm(),
            "configurables": list(
                Product.objects.filter(active=True, is_configurable=True)
                .only("pk", "name", "sku")
                .order_by("name")[:30]
            )
            if editable
            else [],
            "header_form": QuoteHeaderForm(instance=quote) if editable else None,
            "decision_form": DecisionForm(),
            "line_errors": {},
            "error": "",
        }
    )
    ctx.update(overrides)
    return ctx


def render_detail(request, quote, status=200, **overrides):
    """The page (a refused change rolled back: ``quote`` still shows what is stored)."""
    ctx = detail_context(request, quote, **overrides)
    return render(request, DETAIL_TEMPLATE, ctx, status=status)


# -- pages ------------------------------------------------------------------------------------


@login_required
@require_GET
def quote_detail(request, pk):
    return render_detail(request, get_quote(request, pk))


@login_required
def quote_add(request):
    """ "New quote" from the list: quotes are built from an open opportunity; pick one."""
    access.check_add(request.user, Quote)
    deals = (
        Opportunity.objects.visible_to(request.user)
        .filter(status=Opportunity.Status.OPEN)
        .select_related("account", "owner")
        .order_by("-created_at")
    )
    q = " ".join(request.GET.get("q", "").split())[:100]
    if q:
        deals = deals.alias(lname=Lower("name")).filter(
            Q(lname__contains=q.lower()) | Q(account__name__icontains=q)
        )
    return render(request, "sales/quotes/quote_add.html", {"deals": deals[:25], "q": q})


@login_required
@require_POST
def quote_create(request, opportunity_pk):
    opportunity = get_object_or_404(Opportunity, pk=opportunity_pk)
    access.check(request.user, opportunity, Action.CHANGE)
    access.check_add(request.user, Quote)
    try:
        quote = services.create_quote(opportunity=opportunity, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(opportunity.get_absolute_url())
    messages.success(request, f"Quote {quote.number} created. Add its lines.")
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@require_POST
def quote_edit(request, pk):
    quote = get_quote(request, pk, Action.CHANGE)
    form = QuoteHeaderForm(request.POST, instance=Quote.objects.get(pk=quote.pk))
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_quote(quote=quote, data=data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return render_detail(
            request, quote, 400, header_form=form, open_header=True, error=_top(form)
        )
    messages.success(request, "Quote saved.")
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@require_POST
def quote_line_add(request, pk):
    quote = get_quote(request, pk, Action.CHANGE)
    form = AddLineForm(request.POST)
    if form.is_valid():
        try:
            services.add_line(
                quote=quote,
                product=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                discount_percent=form.cleaned_data["discount_percent"] or 0,
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return render_detail(request, quote, 400, add_line_form=form, error=_top(form))
    return HttpResponseRedirect(quote.get_absolute_url() + "#lines")


def _line(request, pk, line_pk) -> tuple[Quote, QuoteLine]:
    quote = get_quote(request, pk, Action.CHANGE)
    return quote, get_object_or_404(QuoteLine, pk=line_pk, quote=quote)


@login_required
@require_POST
def quote_line_edit(request, pk, line_pk):
    quote, line = _line(request, pk, line_pk)
    form = LineForm(request.POST)
    if form.is_valid():
        changes = {
            "quantity": form.cleaned_data["quantity"],
            "discount_percent": form.cleaned_data["discount_percent"] or 0,
        }
        if form.cleaned_data["description"].strip():
            changes["description"] = form.cleaned_data["description"].strip()
        if "unit_price" in request.POST:  # empty: back to the price book's
            changes["unit_price"] = form.cleaned_data["unit_price"]
        try:
            services.update_line(line=line, by=request.user, **changes)
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        errors = [f"{msg}" for msgs in form.errors.values() for msg in msgs]
        # a refused state change (the quote is no longer editable) also shows above the page
        return render_detail(request, quote, 400, line_errors={line.pk: errors}, error=_top(form))
    return HttpResponseRedirect(quote.get_absolute_url() + "#lines")


@login_required
@require_POST
def quote_line_remove(request, pk, line_pk):
    quote, line = _line(request, pk, line_pk)
    try:
        services.remove_line(line=line, by=request.user)
    except ValidationError as exc:
        return render_detail(request, quote, 400, error=" ".join(exc.messages))
    return HttpResponseRedirect(quote.get_absolute_url() + "#lines")


@login_required
@require_GET
def quote_products(request):
    """The add-line form's product picker: active products by name or SKU (htmx options)."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    products = pickable_products()
    if q:
        products = products.alias(lname=Lower("name")).filter(
            Q(lname__contains=q.lower()) | Q(sku__istartswith=q)
        )
    return render(
        request, "sales/quotes/_product_options.html", {"products": products[:PICKER_SIZE]}
    )


@login_required
@require_GET
def quote_pdf(request, pk):
    """The stored PDF (rendered by the worker); rendered here only when none is current."""
    quote = get_quote(request, pk)
    document = pdf.current_document(quote) or pdf.ensure_document(quote)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{pdf.filename(quote)}"'
    return response


@login_required
@require_GET
def quote_compare(request, pk):
    """Two versions side by side: ``pk`` and ``?with=<other version's pk>`` (default: the
    previous version)."""
    from .compare import compare

    quote = get_quote(request, pk)
    other_pk = request.GET.get("with")
    if other_pk and other_pk.isdigit():
        other = get_quote(request, int(other_pk))
        if other.number != quote.number:
            other = None
    else:
        other = quote.previous
        if other is not None:
            access.check(request.user, other, Action.VIEW)
    versions = list(
        Quote.objects.visible_to(request.user).filter(number=quote.number).order_by("version")
    )
    if other is None:
        return render(
            request,
            "sales/quotes/quote_compare.html",
            {"object": quote, "versions": versions, "diff": None},
        )
    old, new = sorted([quote, other], key=lambda q: q.version)
    return render(
        request,
        "sales/quotes/quote_compare.html",
        {"object": quote, "old": old, "new": new, "versions": versions, "diff": compare(old, new)},
    )
