"""A configurable product's set-up for managers: options, each option's values, the rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from core import access
from core.access import Action

from ..configurator import ProductSpec, default_choice, evaluate
from ..forms_config import OptionFormSet, RuleFormSet, ValueFormSet
from ..models import ConfigOption, Product


def _product_for_change(request, pk):
    product = get_object_or_404(Product.objects.select_related("currency"), pk=pk)
    access.check(request.user, product, Action.CHANGE)
    return product


def _formset_page(request, *, product, formset, template, saved_message, redirect_to, **extra):
    if request.method == "POST" and formset.is_bound:
        if formset.is_valid():
            with transaction.atomic():
                formset.save()
                if not product.is_configurable and formset.model is ConfigOption:
                    product.is_configurable = True
                    product.save(update_fields=["is_configurable", "updated_at"])
            messages.success(request, saved_message)
            return HttpResponseRedirect(redirect_to)
        messages.error(request, "Please correct the rows marked below; nothing was saved.")
    ctx = {"product": product, "formset": formset, **extra}
    status = 400 if formset.is_bound and not formset.is_valid() else 200
    return render(request, template, ctx, status=status)


@login_required
def options_edit(request, pk):
    product = _product_for_change(request, pk)
    data = request.POST if request.method == "POST" else None
    formset = OptionFormSet(
        data, instance=product, prefix="options",
        queryset=ConfigOption.objects.filter(product=product)
        .annotate(value_count=Count("values")).order_by("position", "id"),
    )  # fmt: skip
    return _formset_page(
        request,
        product=product,
        formset=formset,
        template="catalog/options_form.html",
        saved_message=f"Saved the options of “{product.name}”.",
        redirect_to=reverse("catalog:product_options", args=[product.pk]),
    )


@login_required
def values_edit(request, pk):
    option = get_object_or_404(ConfigOption.objects.select_related("product__currency"), pk=pk)
    product = option.product
    access.check(request.user, product, Action.CHANGE)
    data = request.POST if request.method == "POST" else None
    formset = ValueFormSet(data, instance=option, prefix="values")
    return _formset_page(
        request,
        product=product,
        formset=formset,
        template="catalog/values_form.html",
        saved_message=f"Saved the values of {option.name}.",
        redirect_to=reverse("catalog:option_values", args=[option.pk]),
        option=option,
        siblings=ConfigOption.objects.filter(product=product).order_by("position", "id"),
    )


@login_required
def rules_edit(request, pk):
    product = _product_for_change(request, pk)
    data = request.POST if request.method == "POST" else None
    formset = RuleFormSet(data, instance=product, prefix="rules")
    check = None
    if not formset.is_bound:
        # What a customer gets with the defaults: shows at once whether the rules contradict.
        spec = ProductSpec.load(product)
        check = evaluate(spec, default_choice(spec), explain_disabled=False)
    return _formset_page(
        request,
        product=product,
        formset=formset,
        template="catalog/rules_form.html",
        saved_message=f"Saved the rules of “{product.name}”.",
        redirect_to=reverse("catalog:product_rules", args=[product.pk]),
        check=check,
    )
