"""The leads' search provider lives in ``sales.leads.search`` (registered by
``sales.leads.register``); kept importable here."""

from .leads.search import LeadSearch  # noqa: F401
