"""Quotes in the search box (and the quote list's ``q``) by number: "Q-000123", "q-123" or
"123" (see ``core.search``). Numbers are matched exactly on the indexed ``number`` column."""

import re

from django.db.models import Q

from catalog import money
from core import search

from ..models import Quote

_NUMBER = re.compile(r"^q-?0*(\d{1,12})$")


class QuoteSearch(search.Provider):
    key = "quotes"
    label = "Quotes"
    icon = "file-earmark-text"
    model = Quote
    list_url_name = "sales:quote_list"
    order = 35
    tiebreak = ("number", "-version")
    select_related = ("account",)

    def extra_conditions(self, query):
        match = _NUMBER.match(query.text.replace(" ", ""))
        number = int(match.group(1)) if match else query.number
        if number is None or number >= 10**12:
            return []
        return [Q(number=f"Q-{number:06d}")]

    def title(self, obj):
        return f"{obj.number} v{obj.version} · {obj.title}"

    def describe(self, obj):
        parts = (obj.get_status_display(), obj.account.name if obj.account_id else "",
                 money.display(obj.total, obj.currency))  # fmt: skip
        return " · ".join(v for v in parts if v)


search.register(QuoteSearch())
