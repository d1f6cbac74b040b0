"""The search box on every page (an htmx dropdown), the full results page and the record
pickers' matches."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import search
from core.forms import PICK_ROWS, record_id


def _results(request, per_group):
    query = search.parse(request.GET.get("q"))
    groups = search.results(request.user, query, per_group=per_group) if query else []
    return {
        "query": query,
        "q": (request.GET.get("q") or "")[: search.MAX_LENGTH],
        "groups": groups,
        "min_length": search.MIN_LENGTH,
    }


@login_required
def results_page(request):
    """``/search/?q=``: where Enter in the search box goes. Groups of up to 10, "see all"."""
    return render(request, "search/results.html", _results(request, per_group=10))


@login_required
def suggest(request):
    """``/search/suggest/?q=``: the dropdown while typing, top 5 per kind."""
    return render(request, "search/_dropdown.html", _results(request, per_group=search.GROUP_SIZE))


@login_required
@require_GET
def pick(request, kind):
    """``/search/pick/<kind>/?q=``: at most ``PICK_ROWS`` records of one kind for a record
    picker (``core.forms.RecordPicker``), as JSON, by the search box's matching and only among
    the rows the picker accepts from this user. ``#123`` (or ``123``) also finds record 123;
    ``?account=5`` (a provider's ``narrowed_by``) keeps that account's rows, all of them (the
    first ``PICK_ROWS``) before anything is typed."""
    provider = search.provider_by_key(kind)
    queryset = provider.pickable(request.user) if provider is not None else None
    if queryset is None:
        raise Http404
    narrowed = False
    for name in provider.narrowed_by:
        pk = record_id(request.GET.get(name))
        if pk is not None:
            queryset = queryset.filter(**{f"{name}_id": pk})
            narrowed = True
    query = search.parse(request.GET.get("q"))
    rows = []
    if not query and narrowed:
        rows = list(queryset.order_by(*provider.tiebreak)[:PICK_ROWS])
    elif query:
        if query.number:
            rows = list(queryset.filter(pk=query.number))
        with search.thresholds():
            matches = provider.filter(queryset, query).exclude(pk__in=[o.pk for o in rows])
            rows += list(matches[: PICK_ROWS - len(rows)])
    results = [
        {"value": obj.pk, "text": provider.title(obj), "description": provider.describe(obj)}
        for obj in rows
    ]
    return JsonResponse({"results": results})
