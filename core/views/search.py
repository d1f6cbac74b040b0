"""The search box on every page (an htmx dropdown) and the full results page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core import search


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
