"""Orders in the search box: found by their number ("SO-000123", "so-123" or "#123" typed
as a number). No other query costs a query: the provider has no names to compare."""

import re

from django.db.models import Q

from catalog import money
from core import search

from .models import Order

ORDER_NUMBER = re.compile(r"^(?:so-?\s*)?#?0*(\d{1,12})$")


class OrderSearch(search.Provider):
    key = "orders"
    label = "Orders"
    icon = "bag-check"
    model = Order
    list_url_name = "billing:order_list"
    order = 45
    tiebreak = ("-ordered_on", "-id")
    select_related = ("account",)

    def extra_conditions(self, query):
        match = ORDER_NUMBER.match(query.text)
        if not match or not query.text.startswith(("so", "#")):
            return []
        return [Q(number=f"SO-{int(match.group(1)):06d}")]

    def describe(self, obj):
        return (
            f"{obj.account} · {money.display(obj.total, obj.currency)} · {obj.get_status_display()}"
        )


search.register(OrderSearch())
