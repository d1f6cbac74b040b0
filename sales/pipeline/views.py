"""Opportunity pages: list, detail, create/edit (optimistic lock), delete, bulk edit, CSV
export, won/lost and activities logged on the deal."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms_activities import LOGGED_KINDS, QuickLogForm
from accounts.models import Activity
from accounts.services import activity_save
from core import access
from core.access import Action
from core.forms import record_id
from core.views.generic import ObjectEditView, RecordViews, safe_return_url

from ..models import Opportunity, Quote
from . import services
from .filters import OpportunityFilterSet
from .forms import CloseForm, OpportunityBulkEditForm, OpportunityForm
from .services import StaleRecord
from .tables import OpportunityTable

ACTIVITIES_SHOWN = 20


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: on the field when the form has it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc)


class OpportunityEditView(ObjectEditView):
    """The generic create/edit, plus the optimistic lock: the form carries the version it was
    built from; if somebody saved in between, the form comes back (409) with their change
    unharmed and nothing of this one saved."""

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(form, obj)
        try:
            with transaction.atomic():
                saved = self.views.save(form=form, user=request.user, created=obj is None)
        except StaleRecord as exc:
            form.add_error(None, exc)
            form.stale = True
            response = self.render_form(form, obj)
            response.status_code = 409
            return response
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, obj)
        verb = "Created" if obj is None else "Saved"
        messages.success(request, f"{verb} opportunity “{saved}”.")
        return HttpResponseRedirect(safe_return_url(request, saved.get_absolute_url()))


class OpportunityViews(RecordViews):
    model = Opportunity
    namespace = "sales"
    queryset = Opportunity.objects.select_related("account", "stage", "pipeline", "owner", "team")
    filterset_class = OpportunityFilterSet
    list_select_related = ("account", "stage", "owner", "team")
    table_class = OpportunityTable
    form_class = OpportunityForm
    bulk_edit_form = OpportunityBulkEditForm
    allow_bulk_delete = False  # deals with quotes or orders are protected: one at a time
    detail_template = "sales/pipeline/opportunity_detail.html"
    form_template = "sales/pipeline/opportunity_form.html"
    export_fields = (
        "id", "name", "account__name", "pipeline__name", "stage__name", "status", "amount",
        "currency", "probability", "close_date", "owner__username", "team__name", "source",
        "next_step", "close_reason", "closed_at", "last_activity_at", "created_at",
    )  # fmt: skip

    @classmethod
    def urls(cls):
        patterns = super().urls()
        edit = cls.view(OpportunityEditView)
        for i, pattern in enumerate(patterns):
            if pattern.name in (f"{cls.name}_add", f"{cls.name}_edit"):
                patterns[i] = path(str(pattern.pattern), edit, name=pattern.name)
        return patterns

    @classmethod
    def initial_for_create(cls, request) -> dict:
        initial = super().initial_for_create(request)
        for name in ("account", "contact"):
            pk = record_id(request.GET.get(name))
            if pk is not None:
                initial[name] = pk
        return initial

    @classmethod
    def save(cls, *, form, user, created: bool):
        return services.opportunity_save(
            opportunity=None if created else form.instance,
            data=form.service_data(),
            by=user,
            expected_version=None if created else form.cleaned_data["version"],
        )

    @classmethod
    def delete(cls, *, obj, user) -> None:
        services.opportunity_delete(opportunity=obj, by=user)

    @classmethod
    def bulk_update(cls, *, obj, changes: dict, user) -> None:
        services.opportunity_save(opportunity=obj, data=changes, by=user)

    @classmethod
    def detail_context(cls, request, obj) -> dict:
        user = request.user
        stages = list(obj.pipeline.stages.all())
        history = obj.stage_changes.select_related("from_stage", "to_stage", "changed_by")
        quotes = list(Quote.objects.visible_to(user).filter(opportunity=obj)[:20])
        return {
            "stages": stages,
            "current_position": obj.stage.position,
            "history": history,
            "products": list(obj.products.all()),
            "competitors": list(obj.competitors.all()),
            "quotes": [(q, _url_or_none("sales:quote_detail", q.pk)) for q in quotes],
            "quote_create_url": _url_or_none("sales:quote_create", obj.pk),
            "activities": linked_activities(obj),
            "log_form": deal_log_form(user, obj),
            "won_form": CloseForm(initial={"won": "1", "version": obj.version}),
            "lost_form": CloseForm(initial={"won": "0", "version": obj.version}),
            "close_url": reverse("sales:opportunity_close", args=[obj.pk]),
        }


def _url_or_none(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# -- won / lost -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_close(request, pk):
    """Won or lost with the reason. GET: the page (no-JS fallback of the dialogs), or the
    board's dialog (htmx, ``from=board``: the card's ``version``). POST from the detail page
    redirects; from the board it answers the board's partials."""
    opp = get_object_or_404(OpportunityViews.get_queryset(), pk=pk)
    access.check(request.user, opp, Action.CHANGE)
    source = request.POST if request.method == "POST" else request.GET
    from_board = bool(request.htmx) and source.get("from") == "board"
    if request.method == "GET":
        version = source.get("version", "")
        initial = {
            "won": "0" if source.get("won") == "0" else "1",
            "version": version if version.isdigit() and len(version) < 10 else opp.version,
        }
        return _render_close(request, opp, CloseForm(initial=initial), from_board=from_board)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                opp = services.opportunity_close(
                    opportunity=opp,
                    won=data["won"],
                    by=request.user,
                    reason=data["close_reason"],
                    note=data["close_note"],
                    expected_version=data.get("version"),
                )
        except StaleRecord as exc:
            form.add_error(None, exc)
            return _render_close(request, opp, form, status=409, from_board=from_board)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            verb = "won" if data["won"] else "lost"
            if from_board:
                from .board import closed_response

                return closed_response(request, opp, f"“{opp}” marked {verb}.")
            messages.success(request, f"“{opp}” marked {verb}.")
            return HttpResponseRedirect(safe_return_url(request, opp.get_absolute_url()))
    return _render_close(request, opp, form, status=400, from_board=from_board)


def _render_close(request, opp, form, *, status=200, from_board=False):
    template = "sales/pipeline/_close_form.html" if from_board else "sales/pipeline/close.html"
    ctx = {
        "object": opp,
        "form": form,
        "from_board": from_board,
        "close_url": reverse("sales:opportunity_close", args=[opp.pk]),
    }
    return render(request, template, ctx, status=status)


# -- activities on the deal ---------------------------------------------------------------------


def linked_activities(opp, limit=ACTIVITIES_SHOWN):
    ct = ContentType.objects.get_for_model(Opportunity)
    return list(
        Activity.objects.filter(related_type=ct, related_id=opp.pk)
        .select_related("assigned_to")
        .order_by("-starts_at", "-id")[:limit]
    )


class DealActivityForm(QuickLogForm):
    """The quick-log form of customer pages, for a deal: the account and contact come from the
    deal (which may have no account), never from the request."""

    def clean(self):
        return super(QuickLogForm, self).clean()


def deal_log_form(user, opp, data=None):
    initial = QuickLogForm.initial_for(kind="call", user=user, account=None, contact=None)
    return DealActivityForm(data, initial=initial, user=user, auto_id="deal-%s")


@login_required
@require_POST
def opportunity_log_activity(request, pk):
    opp = get_object_or_404(OpportunityViews.get_queryset(), pk=pk)
    access.check(request.user, opp, Action.VIEW)
    access.check_add(request.user, Activity)
    form = deal_log_form(request.user, opp, request.POST)
    logged = None
    status = 200
    if form.is_valid():
        fields = [f for f in QuickLogForm.Meta.fields if f not in ("account", "contact")]
        data = {name: form.cleaned_data.get(name) for name in fields}
        if data["starts_at"] is None and data["kind"] in LOGGED_KINDS:
            data["starts_at"] = timezone.now()
        data.update(
            account=opp.account,
            contact=opp.contact,
            team=opp.team,
            related_type=ContentType.objects.get_for_model(Opportunity),
            related_id=opp.pk,
        )
        with transaction.atomic():
            logged = activity_save(activity=None, data=data, by=request.user)
        if not request.htmx:
            messages.success(request, f"Logged {logged}.")
            return HttpResponseRedirect(opp.get_absolute_url())
        form = deal_log_form(request.user, opp)
    elif not request.htmx:
        messages.error(request, "The activity was not logged: " + _errors_text(form))
        return HttpResponseRedirect(opp.get_absolute_url())
    else:
        status = 400
    opp.refresh_from_db(fields=["last_activity_at"])
    ctx = {"object": opp, "activities": linked_activities(opp), "log_form": form, "logged": logged}
    response = render(request, "sales/pipeline/_deal_activities.html", ctx, status=status)
    if logged:
        response["HX-Trigger"] = json.dumps({"timelineChanged": {}})
    return response


def _errors_text(form) -> str:
    return " ".join(f"{e}" for errors in form.errors.values() for e in errors)
