"""A price book's price table: edit the prices of one page of entries, add a product, fill
the book with every missing product at its list price."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access
from core.access import Action

from .. import money, services
from ..access import can_manage
from ..forms import AddEntryForm, PriceEntryFormSet
from ..models import PriceBook, PriceBookEntry

ENTRIES_PER_PAGE = 50


def _page(request, book):
    entries = (
        PriceBookEntry.objects.filter(price_book=book)
        .select_related("product", "product__currency")
        .order_by("product__name", "pk")
    )
    return Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))


def entries_context(request, book, *, formset=None, add_form=None) -> dict:
    page = _page(request, book)
    manage = can_manage(request.user)
    if manage and formset is None:
        formset = PriceEntryFormSet(queryset=_queryset_of(page), prefix="entries")
    rows = []
    forms = list(formset) if formset is not None else [None] * len(page.object_list)
    for entry, form in zip(page.object_list, forms, strict=False):
        rows.append(
            {
                "entry": entry,
                "form": form,
                "list_price": money.display(entry.product.unit_price, entry.product.currency),
                "price": money.display(entry.unit_price, book.currency),
            }
        )
    return {
        "page": page,
        "rows": rows,
        "formset": formset,
        "add_form": (add_form or AddEntryForm(price_book=book)) if manage else None,
        "can_manage": manage,
    }


def _queryset_of(page):
    return PriceBookEntry.objects.filter(pk__in=[e.pk for e in page.object_list]).order_by(
        "product__name", "pk"
    )


def _book_for_change(request, pk):
    book = get_object_or_404(PriceBook.objects.select_related("currency"), pk=pk)
    access.check(request.user, book, Action.CHANGE)
    return book


def _detail(request, book, status=200, **ctx):
    from .records import PriceBookViews

    context = {
        "views": PriceBookViews,
        "object": book,
        "model_name": "price book",
        "model_name_plural": "price books",
        "list_url": reverse("catalog:pricebook_list"),
        "fields": PriceBookViews.detail_rows(book),
        "can_change": True,
        "can_delete": True,
        "edit_url": reverse("catalog:pricebook_edit", args=[book.pk]),
        "delete_url": reverse("catalog:pricebook_delete", args=[book.pk]),
        **entries_context(request, book, **ctx),
    }
    return render(request, "catalog/pricebook_detail.html", context, status=status)


@login_required
@require_POST
def entries_save(request, pk):
    """Save the prices (and removals) of the page of entries shown."""
    book = _book_for_change(request, pk)
    page = _page(request, book)
    formset = PriceEntryFormSet(request.POST, queryset=_queryset_of(page), prefix="entries")
    if not formset.is_valid():
        messages.error(request, "Some prices are not valid; nothing was saved.")
        return _detail(request, book, status=400, formset=formset)
    with transaction.atomic():
        for form in formset.forms:
            entry = form.instance
            if form in formset.deleted_forms:
                entry.delete()
            elif form.has_changed():
                entry.unit_price = money.quantize(entry.unit_price, book.currency_id)
                entry.save(update_fields=["unit_price"])
    messages.success(request, f"Saved the prices of “{book}”.")
    return HttpResponseRedirect(_back(book, request))


@login_required
@require_POST
def entry_add(request, pk):
    book = _book_for_change(request, pk)
    form = AddEntryForm(request.POST, price_book=book)
    if not form.is_valid():
        return _detail(request, book, status=400, add_form=form)
    try:
        with transaction.atomic():
            entry = services.entry_add(
                price_book=book,
                product=form.cleaned_data["product"],
                unit_price=form.cleaned_data["unit_price"],
            )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, book, status=400, add_form=form)
    messages.success(request, f"Added “{entry.product}” to “{book}”.")
    return HttpResponseRedirect(_back(book, request))


@login_required
@require_POST
def fill(request, pk):
    """Add every active product missing from the book, at its list price converted."""
    book = _book_for_change(request, pk)
    try:
        with transaction.atomic():
            added = services.fill_price_book(price_book=book)
    except money.MissingRate as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Added {added} product{'s' if added != 1 else ''} to “{book}”.")
    return HttpResponseRedirect(book.get_absolute_url())


def _back(book, request):
    page = request.GET.get("page")
    url = book.get_absolute_url()
    return f"{url}?page={page}" if page and page.isdigit() else url
