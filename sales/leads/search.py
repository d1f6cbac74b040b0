"""Leads in the search box (and the lead list's ``q``): see ``core.search``."""

from django.db.models.functions import Lower

from core import search

from ..models import Lead


class LeadSearch(search.Provider):
    key = "leads"
    label = "Leads"
    icon = "person-plus"
    model = Lead
    list_url_name = "sales:lead_list"
    order = 30
    names = {
        "search_name": search.full_name("first_name", "last_name"),  # lead_fullname_trgm
        "search_company": Lower("company"),  # lead_company_trgm
    }
    emails = ("email",)  # lead_email_idx
    phones = search.phone_digits("phone")  # lead_phone_trgm
    tiebreak = ("-created_at", "pk")

    def describe(self, obj):
        # str(lead) names the company already
        return " · ".join(v for v in (obj.email, obj.get_status_display()) if v)


def register():
    search.register(LeadSearch())  # keyed by ``key``: registering twice is harmless
