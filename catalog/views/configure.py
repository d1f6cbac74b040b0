"""The configurator page: pick options, see what is possible and the price as you go (htmx
re-evaluates every change on the server), then add the configured product to a quote.

Every state shown comes from ``catalog.configurator.evaluate``; the "Add to quote" POST is
evaluated again, so an invalid combination can never be submitted (nor crafted).
"""

from __future__ import annotations

import importlib
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from core import access
from core.access import Action

from .. import money
from ..access import can_configure
from ..configurator import ProductSpec, default_choice, evaluate
from ..models import Product

FIELD_PREFIX = "o-"


def add_line_service():
    """``sales.quotes.services.add_line`` when the quotes part provides it, else None."""
    try:
        module = importlib.import_module("sales.quotes.services")
    except ImportError:
        return None
    return getattr(module, "add_line", None)


def _quote(request, raw):
    """The quote named by ``?quote=`` if the user may change it (404 / 403 otherwise)."""
    if not raw:
        return None
    if not str(raw).isdigit() or len(str(raw)) > 18:
        raise ValidationError("Unknown quote.")
    from sales.models import Quote

    quote = get_object_or_404(Quote.objects.select_related("opportunity"), pk=int(raw))
    access.check(request.user, quote, Action.CHANGE)
    return quote


def chosen_from(data, spec: ProductSpec) -> dict:
    """The form's values as ``evaluate`` takes them (``o-size=16``, ``o-addons=dock&…``)."""
    chosen = {}
    for option in spec.options:
        name = FIELD_PREFIX + option.code
        if option.multiple:
            chosen[option.code] = data.getlist(name)
        elif data.get(name):
            chosen[option.code] = data.get(name)
    return chosen


def _groups(spec: ProductSpec, result) -> list[dict]:
    """What the template draws: each option with its values' state."""
    groups = []
    for option in spec.options:
        values = []
        for value in option.values:
            auto = result.required.get(value.id)
            reason = result.disabled.get(value.id)
            values.append(
                {
                    "code": value.code,
                    "label": value.label,
                    "price": money.display(value.price, spec.currency, spec.minor_units)
                    if value.price
                    else "",
                    "checked": value.id in result.chosen_ids,
                    "auto": auto,
                    "disabled": bool(reason) or bool(auto),
                    "reason": reason or auto or "",
                    "id": f"v-{option.code}-{value.code}",
                }
            )
        groups.append(
            {
                "code": option.code,
                "name": FIELD_PREFIX + option.code,
                "label": option.name,
                "multiple": option.multiple,
                "required": option.required,
                "values": values,
            }
        )
    return groups


def _quantity(raw) -> tuple[Decimal | None, str]:
    try:
        quantity = Decimal(str(raw or "1").strip())
    except InvalidOperation:
        return None, "Enter the quantity as a number."
    if not quantity.is_finite() or quantity <= 0:
        return None, "The quantity must be more than 0."
    if quantity > Decimal("9999999999"):
        return None, "That quantity is too large."
    return quantity, ""


@login_required
def configure(request, pk):
    product = get_object_or_404(Product.objects.select_related("currency"), pk=pk)
    access.check(request.user, product, Action.VIEW)
    if not can_configure(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    try:
        quote = _quote(request, data.get("quote") or request.GET.get("quote"))
    except ValidationError:
        quote = None
    add_line = add_line_service() if quote is not None else None
    spec = ProductSpec.load(product)
    chosen = chosen_from(data, spec) if request.method == "POST" else default_choice(spec)
    result = evaluate(spec, chosen)
    quantity, quantity_error = _quantity(data.get("quantity"))
    errors = []

    if request.method == "POST" and data.get("action") == "add":
        if quote is None or add_line is None:
            errors.append("Open the configurator from a quote to add the product to it.")
        elif not result.valid:
            errors.append("This combination is not possible; nothing was added.")
        elif quantity is None:
            errors.append(quantity_error)
        else:
            try:
                add_line(quote=quote, product=product, quantity=quantity, discount_percent=0,
                         configuration=result.configuration, by=request.user)  # fmt: skip
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, f"Added {result.description} to {quote}.")
                return HttpResponseRedirect(quote.get_absolute_url())

    ctx = {
        "product": product,
        "spec": spec,
        "result": result,
        "groups": _groups(spec, result),
        "price": money.display(result.price, spec.currency, spec.minor_units),
        "base_price": money.display(spec.base_price, spec.currency, spec.minor_units),
        "quote": quote,
        "can_add": quote is not None and add_line is not None,
        "quantity": data.get("quantity") or "1",
        "quantity_error": quantity_error if request.method == "POST" else "",
        "errors": errors,
        "url": reverse("catalog:configure", args=[product.pk]),
    }
    status = 400 if errors else 200
    if request.htmx and request.method == "POST" and not errors:
        return render(request, "catalog/_configurator.html", ctx, status=status)
    return render(request, "catalog/configure.html", ctx, status=status)
