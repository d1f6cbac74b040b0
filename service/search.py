"""Tickets in the search box (and the ticket list's ``q``): see ``core.search``."""

from django.db.models import Q
from django.db.models.functions import Lower

from core import search

from .models import Ticket


class TicketSearch(search.Provider):
    key = "tickets"
    label = "Tickets"
    icon = "ticket-detailed"
    model = Ticket
    list_url_name = "service:ticket_list"
    order = 40
    names = {"search_subject": Lower("subject")}  # ticket_subject_trgm
    tiebreak = ("-created_at", "pk")
    select_related = ("account",)

    def extra_conditions(self, query):
        # "#123" or "123": the ticket number (primary key).
        return [Q(pk=query.number)] if query.number is not None else []

    def describe(self, obj):
        parts = (obj.get_status_display(), obj.account.name if obj.account_id else "")
        return " · ".join(v for v in parts if v)


search.register(TicketSearch())
