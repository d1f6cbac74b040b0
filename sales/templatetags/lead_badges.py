"""Badge colours of a lead's status and score (the lead list's rows and the lead page)."""

from django import template

from sales.models import Lead

register = template.Library()

STATUS_BADGES = {
    Lead.Status.NEW: "text-bg-primary",
    Lead.Status.WORKING: "text-bg-info",
    Lead.Status.QUALIFIED: "text-bg-success",
    Lead.Status.DISQUALIFIED: "text-bg-secondary",
}


@register.filter
def status_badge(lead: Lead) -> str:
    return "text-bg-dark" if lead.converted_at else STATUS_BADGES.get(lead.status, "")


@register.filter
def score_badge(score: int) -> str:
    if score >= 60:
        return "text-bg-success"
    return "text-bg-warning" if score >= 30 else "text-bg-light border"
