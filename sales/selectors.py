"""Read-only queries about leads for other parts (the rep workspace, marketing's aggregate
funnel, the dashboards); they live in ``sales.leads.selectors``."""

from .leads.selectors import (  # noqa: F401
    OPEN_LEAD_STATUSES,
    lead_funnel_by_source,
    leads_by_team,
    leads_to_call,
    rep_workspace_figures,
)
