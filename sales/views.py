"""The lead pages live in ``sales.leads.views``; kept importable here."""

from .leads.views import LeadViews  # noqa: F401
