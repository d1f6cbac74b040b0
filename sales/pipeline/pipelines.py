"""Pipelines settings (sales managers and administrators): pipelines with their stages —
name, order, default probability, kind and forecast category. A stage that holds deals or
appears in their history cannot be deleted; the form says which and why."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.access import active_role
from users.roles import SALES_MANAGERS

from ..models import Opportunity, Pipeline, Stage, StageChange
from . import services


def _require_manager(user):
    if active_role(user) not in SALES_MANAGERS:
        raise PermissionDenied


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "description", "position", "is_default", "active"]
        labels = {"is_default": "Default pipeline (the board opens it)", "position": "Order"}

    def _get_validation_exclusions(self):
        # "one default pipeline": the view unsets the old default in the same transaction.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean(self):
        data = super().clean()
        if data.get("is_default") and not data.get("active"):
            self.add_error("active", "The default pipeline must be active.")
        return data


class StageFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kinds = set()
        for form in self.forms:
            if not form.cleaned_data:
                continue
            stage = form.instance
            deleting = form.cleaned_data.get("DELETE")
            if stage.pk and (deleting or "kind" in form.changed_data):
                deals = Opportunity.objects.filter(stage=stage).count()
                if deals:
                    what = "deleted" if deleting else "change its kind"
                    form.add_error(
                        None,
                        f"“{stage.name}” holds {deals} deal{'s' if deals != 1 else ''}: move "
                        f"them to another stage first{'' if deleting else ', then ' + what}.",
                    )
                    continue
                if (
                    deleting
                    and StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
                ):
                    form.add_error(
                        None,
                        f"“{stage.name}” appears in the stage history of deals and stays; "
                        "rename it instead.",
                    )
                    continue
            if not deleting:
                kinds.add(form.cleaned_data.get("kind"))
        missing = [k.label.lower() for k in Stage.Kind if k not in kinds]
        if missing:
            raise forms.ValidationError(
                "A pipeline needs at least one open, one won and one lost stage "
                f"(missing: {', '.join(missing)})."
            )


StageForms = inlineformset_factory(
    Pipeline,
    Stage,
    formset=StageFormSet,
    fields=["name", "position", "probability", "kind", "forecast_category"],
    extra=2,
    can_delete=True,
    widgets={
        "position": forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0}),
        "probability": forms.NumberInput(
            attrs={"class": "form-control form-control-sm", "min": 0, "max": 100}
        ),
        "name": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
        "forecast_category": forms.Select(attrs={"class": "form-select form-select-sm"}),
    },
)


@login_required
def pipeline_list(request):
    _require_manager(request.user)
    services.default_pipeline()  # the standard pipelines exist from the first visit on
    pipelines = Pipeline.objects.prefetch_related("stages").annotate(
        open_deals=Count("opportunities", filter=Q(opportunities__status=Stage.Kind.OPEN))
    )
    return render(request, "sales/pipeline/pipeline_list.html", {"pipelines": pipelines})


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pk=None):
    _require_manager(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk is not None else None
    instance = pipeline or Pipeline()
    data = request.POST if request.method == "POST" else None
    form = PipelineForm(data, instance=instance)
    stages = StageForms(data, instance=instance, prefix="stages")
    if data is not None and form.is_valid() and stages.is_valid():
        before = {s.pk: (s.probability, s.forecast_category) for s in Stage.objects.filter(
            pipeline_id=pk)} if pk else {}  # fmt: skip
        try:
            saved = _save(form, stages, before)
        except IntegrityError:
            stages._non_form_errors.append("Two stages of a pipeline cannot share a name.")
        else:
            messages.success(request, f"Saved pipeline “{saved}”.")
            return HttpResponseRedirect(reverse("sales:pipeline_list"))
    ctx = {"form": form, "stages": stages, "object": pipeline}
    return render(request, "sales/pipeline/pipeline_form.html", ctx, status=400 if data else 200)


def _save(form, stages, before) -> Pipeline:
    with transaction.atomic():
        if form.cleaned_data["is_default"]:
            Pipeline.objects.filter(is_default=True).exclude(pk=form.instance.pk).update(
                is_default=False
            )
        saved = form.save()
        stages.instance = saved
        for stage_form in stages.deleted_forms:
            if stage_form.instance.pk:
                stage_form.instance.delete()
        for stage in stages.save(commit=False):
            stage.pipeline = saved
            stage.save()
            old = before.get(stage.pk, (stage.probability, stage.forecast_category))
            if old != (stage.probability, stage.forecast_category):
                services.stages_changed(stage)
    return saved
