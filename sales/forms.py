"""The lead form lives in ``sales.leads.forms``; kept importable here."""

from .leads.forms import LeadForm  # noqa: F401
