"""Opportunities in the search box (and the opportunity list's ``q``): see ``core.search``."""

from django.db.models.functions import Lower

from catalog import money
from core import search

from ..models import Opportunity


class OpportunitySearch(search.Provider):
    key = "opportunities"
    label = "Opportunities"
    icon = "briefcase"
    model = Opportunity
    list_url_name = "sales:opportunity_list"
    order = 35
    names = {"search_name": Lower("name")}  # opp_name_trgm
    tiebreak = ("-created_at", "pk")
    select_related = ("account", "stage")

    def describe(self, obj):
        parts = (
            obj.account.name if obj.account_id else "",
            obj.stage.name,
            money.display(obj.amount, obj.currency),
        )
        return " · ".join(p for p in parts if p)
