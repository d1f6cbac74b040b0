"""An account's ledger page and the actions posted from it (payment, credit note, manual
invoice). Access: ``billing.access`` (403 for roles or accounts whose ledger is not theirs)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import Account
from catalog import money

from .. import selectors, services
from ..access import can_post, check_ledger
from ..filters import overdue_q
from ..forms import CreditNoteForm, ManualInvoiceForm, PaymentForm
from ..models import Invoice, LedgerEntry, Order
from ..tables import days_overdue

PER_PAGE = 50
OVERDUE_SHOWN = 10
OPEN_ORDERS_SHOWN = 10


def _page_number(value) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 100_000 else 1


@login_required
def account_ledger(request, pk):
    account = get_object_or_404(Account.objects.select_related("owner", "team"), pk=pk)
    check_ledger(request.user, account)
    currency = request.GET.get("currency", "").upper()[:3]
    totals = selectors.summary([account.pk], request.user)
    if currency not in {t.currency for t in totals}:
        currency = ""
    page = selectors.ledger_page(
        account, currency=currency, page=_page_number(request.GET.get("page")), per_page=PER_PAGE
    )
    for entry in page.entries:
        late = entry.kind == LedgerEntry.Kind.INVOICE and days_overdue(entry.invoice)
        entry.days_overdue = late or 0
    overdue = list(
        Invoice.objects.filter(overdue_q(), account=account).order_by("due_on", "id")[
            : OVERDUE_SHOWN + 1
        ]
    )
    for invoice in overdue:
        invoice.days_overdue = days_overdue(invoice)
    postable = can_post(request.user, account)
    open_orders = []
    if postable:
        open_orders = list(
            Order.objects.visible_to(request.user)
            .filter(account=account, status=Order.Status.OPEN)
            .exclude(invoices__status__in=[Invoice.Status.OPEN, Invoice.Status.PAID])
            .order_by("-ordered_on", "-id")[:OPEN_ORDERS_SHOWN]
        )
    return render(
        request,
        "billing/ledger.html",
        {
            "account": account,
            "totals": totals,
            "currency": currency,
            "page": page,
            "overdue": overdue[:OVERDUE_SHOWN],
            "overdue_more": len(overdue) > OVERDUE_SHOWN,
            "can_post": postable,
            "open_orders": open_orders,
            "kinds": LedgerEntry.Kind,
        },
    )


def _ledger_url(account) -> str:
    return reverse("billing:account_ledger", args=[account.pk])


def _action(request, pk, *, form_class, title, perform, success):
    """GET: the form; POST: the service in one transaction, its errors on the form (400)."""
    account = get_object_or_404(Account, pk=pk)
    check_ledger(request.user, account, post=True)
    invoice = None
    if request.GET.get("invoice", "").isdigit():
        invoice = Invoice.objects.filter(account=account, pk=request.GET["invoice"]).first()
    kwargs = {"account": account}
    if form_class is not ManualInvoiceForm:
        kwargs["invoice"] = invoice
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                document = perform(account, form.cleaned_data, request.user)
        except ValidationError as error:
            form.apply_error(error)
        else:
            messages.success(request, success(document))
            return HttpResponseRedirect(_ledger_url(account))
    return render(
        request,
        "billing/ledger_action.html",
        {"account": account, "form": form, "title": title, "cancel_url": _ledger_url(account)},
        status=400 if form.errors else 200,
    )


@login_required
def payment_add(request, pk):
    def perform(account, data, user):
        return services.payment_record(
            account=account, amount=data["amount"], currency=data["currency"],
            received_on=data["received_on"], invoice=data["invoice"], by=user,
            method=data["method"], reference=data["reference"],
        )  # fmt: skip

    return _action(
        request, pk, form_class=PaymentForm, title="Record a payment", perform=perform,
        success=lambda p: f"Payment of {money.display(p.amount, p.currency)} recorded.",
    )  # fmt: skip


@login_required
def credit_note_add(request, pk):
    def perform(account, data, user):
        return services.credit_note_create(
            account=account, amount=data["amount"], currency=data["currency"],
            invoice=data["invoice"], reason=data["reason"], by=user,
        )  # fmt: skip

    return _action(
        request, pk, form_class=CreditNoteForm, title="Issue a credit note", perform=perform,
        success=lambda n: (
            f"Credit note {n.number} of {money.display(n.amount, n.currency)} issued."),
    )  # fmt: skip


@login_required
def invoice_add(request, pk):
    def perform(account, data, user):
        line = {k: data[k] for k in ("description", "quantity", "unit_price", "tax_rate")}
        return services.invoice_create(
            account=account, currency=data["currency"], lines=[line], by=user,
            issued_on=data["issued_on"], due_in_days=data["due_in_days"],
        )  # fmt: skip

    return _action(
        request, pk, form_class=ManualInvoiceForm, title="New invoice", perform=perform,
        success=lambda i: f"Invoice {i.number} of {money.display(i.total, i.currency)} issued.",
    )  # fmt: skip
