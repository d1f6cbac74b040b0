"""Saved filters: a user's named GET parameters for one list page.

A saved filter is only a query string: applying it redirects to the list with it, where the
list's filterset validates every value again and row-level access applies as on any visit.
Another user's saved filter answers 404 (ids leak nothing).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, resolve, reverse
from django.views.decorators.http import require_POST

from core.models import SavedFilter
from core.views.generic import ObjectListView, safe_return_url

# Parameters of the list that are not filters but still worth keeping.
KEPT_PARAMETERS = {"sort", "per_page"}


def list_views(list_key: str):
    """The ``RecordViews`` of a generic list page, by URL name, or 404."""
    try:
        match = resolve(reverse(list_key))
    except NoReverseMatch as exc:
        raise Http404 from exc
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, ObjectListView):
        raise Http404
    return view_class.views


def clean_query(views, query: str) -> str:
    """Only the list's filter names (and sort / page size), without empty values."""
    allowed = set(views.filterset_class.base_filters) | KEPT_PARAMETERS
    params = QueryDict(query[:2000])
    kept = QueryDict(mutable=True)
    for key in params:
        if key in allowed:
            values = [v for v in params.getlist(key) if v.strip()]
            if values:
                kept.setlist(key, values)
    return kept.urlencode()


@login_required
@require_POST
def save(request):
    list_key = request.POST.get("list_key", "")
    views = list_views(list_key)
    list_url = reverse(list_key)
    name = " ".join(request.POST.get("name", "").split())[:100]
    query = clean_query(views, request.POST.get("query", ""))
    back = safe_return_url(request, f"{list_url}?{query}" if query else list_url)
    if not name:
        messages.warning(request, "Give the filter a name to save it.")
        return HttpResponseRedirect(back)
    if not query:
        messages.warning(request, "Set at least one filter to save.")
        return HttpResponseRedirect(back)
    _, created = SavedFilter.objects.update_or_create(
        user=request.user, list_key=list_key, name=name, defaults={"query": query}
    )
    messages.success(request, f"{'Saved' if created else 'Updated'} the filter “{name}”.")
    return HttpResponseRedirect(back)


@login_required
def apply(request, pk):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    views = list_views(saved.list_key)
    query = clean_query(views, saved.query)
    url = reverse(saved.list_key)
    return HttpResponseRedirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def delete(request, pk):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    url = reverse(saved.list_key) if saved.list_key else "/"
    saved.delete()
    messages.success(request, f"Deleted the saved filter “{saved.name}”.")
    return HttpResponseRedirect(safe_return_url(request, url))
