"""Orders and invoices: list (filters, sorting, CSV) and detail pages on the generic views.
Both are read-only records: orders come from accepted quotes, invoices from orders or the
ledger page's actions, so there are no add/edit/delete pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core import access
from core.access import Action
from core.views.generic import ObjectDetailView, ObjectListView, RecordViews

from .. import services
from ..access import can_post, can_read_ledger
from ..filters import InvoiceFilterSet, OrderFilterSet
from ..models import CreditNote, Invoice, Order
from ..tables import InvoiceTable, OrderTable, days_overdue


class ReadOnlyListView(ObjectListView):
    def context(self, **extra):
        return {**super().context(**extra), "can_add": False}


class ReadOnlyDetailView(ObjectDetailView):
    """No edit or delete page: the documents change through the services' actions."""

    def url(self, action, *args):
        return "" if action in ("edit", "delete") else super().url(action, *args)

    def context(self, **extra):
        return {**super().context(**extra), "can_change": False, "can_delete": False}


class ReadOnlyRecordViews(RecordViews):
    allow_bulk_delete = False

    @classmethod
    def urls(cls):
        n = cls.name
        return [
            path("", cls.view(ReadOnlyListView), name=f"{n}_list"),
            path("<int:pk>/", cls.view(ReadOnlyDetailView), name=f"{n}_detail"),
        ]


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


class OrderViews(ReadOnlyRecordViews):
    model = Order
    namespace = "billing"
    queryset = Order.objects.select_related("account", "owner", "team")
    filterset_class = OrderFilterSet
    table_class = OrderTable
    detail_template = "billing/order_detail.html"
    detail_fields = ("account", "status", "ordered_on", "currency", "total", "opportunity",
                     "quote", "owner", "team")  # fmt: skip
    export_fields = ("number", "account__name", "status", "ordered_on", "currency", "total",
                     "owner__username", "team__name", "quote__number", "created_at")  # fmt: skip

    @classmethod
    def get_queryset(cls):
        return super().get_queryset().select_related("opportunity", "quote")

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        readable = can_read_ledger(user, obj.account)
        invoices = list(obj.invoices.all()) if readable else []
        return {
            "lines": obj.lines.select_related("product"),
            "invoices": invoices,
            "ledger_readable": readable,
            "can_invoice": (
                can_post(user, obj.account)
                and obj.status != Order.Status.CANCELLED
                and not any(i.status != Invoice.Status.CANCELLED for i in invoices)
            ),
        }


class InvoiceViews(ReadOnlyRecordViews):
    model = Invoice
    namespace = "billing"
    queryset = Invoice.objects.select_related("account", "order")
    filterset_class = InvoiceFilterSet
    table_class = InvoiceTable
    detail_template = "billing/invoice_detail.html"
    detail_fields = ("account", "order", "issued_on", "due_on", "currency", "total",
                     "paid_amount", "credited_amount")  # fmt: skip
    export_fields = ("number", "account__name", "status", "issued_on", "due_on", "currency",
                     "total", "paid_amount", "credited_amount", "order__number",
                     "external_id")  # fmt: skip

    @classmethod
    def detail_context(cls, request, obj):
        return {
            "lines": obj.lines.all(),
            "payments": obj.payments.all(),
            "credit_notes": obj.credit_notes.all(),
            "days_overdue": days_overdue(obj),
            "can_post": can_post(request.user, obj.account) and obj.status == Invoice.Status.OPEN,
        }


@login_required
@require_POST
def order_invoice(request, pk):
    """Invoice an order in full (the button on the order page and the ledger)."""
    order = get_object_or_404(Order.objects.select_related("account"), pk=pk)
    access.check(request.user, order, Action.VIEW)
    if not can_post(request.user, order.account):
        raise PermissionDenied
    try:
        invoice = services.invoice_from_order(order, request.user, due_in_days=_days(request))
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect(order)
    messages.success(request, f"Invoice {invoice.number} issued for order {order.number}.")
    return redirect(invoice)


def _days(request):
    return request.POST.get("due_in_days") or 30


@login_required
def credit_note_detail(request, pk):
    note = get_object_or_404(CreditNote.objects.select_related("account", "invoice"), pk=pk)
    access.check(request.user, note, Action.VIEW)
    return render(
        request,
        "billing/credit_note_detail.html",
        {"object": note, "lines": note.lines.select_related("invoice")},
    )
