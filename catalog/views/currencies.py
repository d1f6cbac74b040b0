"""Exchange rates of a currency: add one (from a day on), correct one, remove one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core import access
from core.access import Action

from ..forms import ExchangeRateForm
from ..models import Currency, ExchangeRate


def _currency_for_change(request, code):
    currency = get_object_or_404(Currency, pk=code)
    access.check(request.user, currency, Action.CHANGE)
    return currency


def _render(request, currency, form, rate=None):
    return render(
        request,
        "catalog/rate_form.html",
        {"currency": currency, "form": form, "rate": rate},
        status=400 if form.errors else 200,
    )


@login_required
def rate_add(request, code):
    currency = _currency_for_change(request, code)
    if request.method != "POST":
        return _render(request, currency, ExchangeRateForm(currency=currency))
    form = ExchangeRateForm(request.POST, currency=currency)
    if not form.is_valid():
        return _render(request, currency, form)
    with transaction.atomic():
        rate = form.save()
    messages.success(request, f"{currency.pk}: {rate.rate} from {rate.valid_from:%Y-%m-%d}.")
    return HttpResponseRedirect(currency.get_absolute_url())


@login_required
def rate_edit(request, pk):
    rate = get_object_or_404(ExchangeRate.objects.select_related("currency"), pk=pk)
    access.check(request.user, rate, Action.CHANGE)
    currency = rate.currency
    if request.method != "POST":
        return _render(request, currency, ExchangeRateForm(instance=rate, currency=currency), rate)
    form = ExchangeRateForm(request.POST, instance=rate, currency=currency)
    if not form.is_valid():
        return _render(request, currency, form, rate)
    with transaction.atomic():
        form.save()
    messages.success(request, f"Saved the {currency.pk} rate of {rate.valid_from:%Y-%m-%d}.")
    return HttpResponseRedirect(currency.get_absolute_url())


@login_required
@require_POST
def rate_delete(request, pk):
    rate = get_object_or_404(ExchangeRate.objects.select_related("currency"), pk=pk)
    access.check(request.user, rate, Action.DELETE)
    label = f"{rate.valid_from:%Y-%m-%d}"
    rate.delete()
    messages.success(request, f"Removed the {rate.currency_id} rate of {label}.")
    return HttpResponseRedirect(rate.currency.get_absolute_url())
