"""The kanban board of a pipeline: columns of open stages with their figures, won/lost drop
zones, "show more" per column, and the stage move (drag and drop, or the card's select
without JavaScript) through the same service as the form."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import access
from core.access import Action

from ..models import Opportunity, Pipeline, Stage
from . import selectors, services
from .forms import BoardFilterForm, MoveForm
from .services import StaleRecord

BOARD_TEMPLATE = "sales/pipeline/board.html"


def _check_list(user):
    if not Opportunity.access.can_list(user):
        raise PermissionDenied


def _filters(source) -> tuple[BoardFilterForm, dict]:
    form = BoardFilterForm({k: v for k, v in source.items() if k in BoardFilterForm.base_fields})
    return form, form.filters()


def _card_context(pipeline, form, stages) -> dict:
    """What every card needs: the stages it may move to and the board to come back to."""
    query = {k: v for k, v in (form.data or {}).items() if v and k in form.fields}
    qs = urlencode(query)
    board_url = reverse("sales:board", args=[pipeline.pk]) + (f"?{qs}" if qs else "")
    return {
        "pipeline": pipeline,
        "filter_qs": qs,
        "board_url": board_url,
        "return_qs": urlencode({"return_url": board_url}),
        "open_stages": [s for s in stages if s.kind == Stage.Kind.OPEN],
        "won_stages": [s for s in stages if s.kind == Stage.Kind.WON],
    }


def _context(request, pipeline, form, filters) -> dict:
    board = selectors.build_board(request.user, pipeline, **filters)
    return {
        "board": board,
        "pipelines": Pipeline.objects.filter(active=True),
        "filter_form": form,
        "per_column": selectors.CARDS_PER_COLUMN,
        "can_add": Opportunity.access.can_add(request.user),
        **_card_context(pipeline, form, [c.stage for c in board.columns + board.drop_zones]),
    }


@login_required
@require_GET
def board(request, pk=None):
    _check_list(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk is not None else services.default_pipeline()
    form, filters = _filters(request.GET)
    ctx = _context(request, pipeline, form, filters)
    if request.htmx and request.htmx.target == "board":
        return render(request, "sales/pipeline/_board.html", ctx)
    return render(request, BOARD_TEMPLATE, ctx)


@login_required
@require_GET
def board_cards(request, pk, stage_pk):
    """The next cards of one column (htmx "show more")."""
    _check_list(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    stage = get_object_or_404(Stage, pk=stage_pk, pipeline=pipeline, kind=Stage.Kind.OPEN)
    raw = request.GET.get("offset", "")
    offset = int(raw) if raw.isdigit() and len(raw) < 9 else 0
    form, filters = _filters(request.GET)
    cards, more = selectors.column_page(request.user, pipeline, stage, offset=offset, **filters)
    ctx = {
        "cards": cards,
        "more": more,
        "stage": stage,
        "next_offset": offset + len(cards),
        **_card_context(pipeline, form, list(pipeline.stages.all())),
    }
    return render(request, "sales/pipeline/_cards.html", ctx)


# -- moving a card ------------------------------------------------------------------------------


def _refusal(request, opp, message, status, *, needs_reason=False):
    """A move that did not happen: JSON for the board's script (the card snaps back), a
    message and the board again without JavaScript."""
    if request.htmx:
        body = {"error": message, "needs_reason": needs_reason}
        if needs_reason:
            body["close_url"] = reverse("sales:opportunity_close", args=[opp.pk])
        return JsonResponse(body, status=status)
    messages.error(request, message)
    return HttpResponseRedirect(_back(request, opp))


def _back(request, opp) -> str:
    from core.views.generic import safe_return_url

    return safe_return_url(request, reverse("sales:board", args=[opp.pipeline_id]))


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_move(request, pk):
    """POST ``stage`` (+ ``version``, the card's): ``services.opportunity_move``. A move into a
    lost stage needs ``close_reason``; without it the board opens the reason dialog.
    GET: the move page (a card's "Move…" without dragging: keyboard, no JavaScript)."""
    opp = get_object_or_404(Opportunity.objects.select_related("pipeline", "stage"), pk=pk)
    access.check(request.user, opp, Action.CHANGE)
    if request.method == "GET":
        stages = list(opp.pipeline.stages.all())
        return render(
            request,
            "sales/pipeline/move.html",
            {
                "object": opp,
                "open_stages": [s for s in stages if s.kind == Stage.Kind.OPEN],
                "won_stages": [s for s in stages if s.kind == Stage.Kind.WON],
                "return_url": _back(request, opp),
            },
        )
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refusal(request, opp, "Choose a stage of this pipeline.", 400)
    stage, version = form.cleaned_data["stage"], form.cleaned_data["version"]
    if stage.pipeline_id != opp.pipeline_id:
        return _refusal(request, opp, "That stage belongs to another pipeline.", 400)
    reason = form.cleaned_data.get("close_reason") or ""
    lost = stage.kind == Stage.Kind.LOST and opp.stage_id != stage.pk
    if lost and not reason:
        return _refusal(request, opp, services.LOST_NEEDS_REASON, 400, needs_reason=True)
    try:
        with transaction.atomic():
            if lost:
                moved = services.opportunity_save(
                    opportunity=opp,
                    data={"stage": stage, "close_reason": reason},
                    by=request.user,
                    expected_version=version,
                )
            else:
                moved = services.opportunity_move(
                    opportunity=opp, stage=stage, by=request.user, expected_version=version
                )
    except StaleRecord as exc:
        return _refusal(request, opp, exc.messages[0], 409)
    except ValidationError as exc:
        return _refusal(request, opp, " ".join(exc.messages), 400)
    text = f"“{moved}” moved to {stage.name}."
    if not request.htmx:
        messages.success(request, text)
        return HttpResponseRedirect(_back(request, moved))
    if stage.is_closed:  # the card leaves the board
        return _board_update(request, moved, f"“{moved}” marked {stage.kind}.", card=False)
    return _board_update(request, moved, text, card=True)


def closed_response(request, opp, text):
    """The board after a deal was won or lost in the reason dialog: its card goes, the
    headers follow, the dialog closes."""
    return _board_update(request, opp, text, card=False, from_dialog=True)


def _board_update(request, opp, text, *, card: bool, from_dialog: bool = False):
    form, filters = _filters(request.POST)
    board_data = selectors.build_board(request.user, opp.pipeline, **filters, with_cards=False)
    stages = [c.stage for c in board_data.columns + board_data.drop_zones]
    ctx = {
        "board": board_data,
        "opp": selectors.cards().get(pk=opp.pk),
        "show_card": card,
        "from_dialog": from_dialog,
        **_card_context(opp.pipeline, form, stages),
    }
    response = render(request, "sales/pipeline/_move_response.html", ctx)
    events = {"boardToast": {"message": text, "level": "success"}}
    if from_dialog:
        events["dealClosed"] = {"pk": opp.pk}
    response["HX-Trigger"] = json.dumps(events)
    return response
