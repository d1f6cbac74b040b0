import django_tables2 as tables
from django.utils.html import format_html

from core.tables import RecordTable

from ..models import Lead

STATUS_BADGES = {
    Lead.Status.NEW: "text-bg-primary",
    Lead.Status.WORKING: "text-bg-info",
    Lead.Status.QUALIFIED: "text-bg-success",
    Lead.Status.DISQUALIFIED: "text-bg-secondary",
}


def score_badge(score: int) -> str:
    return (
        "text-bg-success"
        if score >= 60
        else "text-bg-warning"
        if score >= 30
        else "text-bg-light border"
    )


class LeadTable(RecordTable):
    last_name = tables.Column(
        linkify=True, verbose_name="Name", order_by=("last_name", "first_name")
    )
    status = tables.Column()
    score = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    owner = tables.Column(default="Unassigned")

    class Meta(RecordTable.Meta):
        model = Lead
        fields = ("pk", "last_name", "company", "email", "country", "source", "status", "score",
                  "owner", "team", "created_at")  # fmt: skip
        order_by = ("-created_at",)

    def render_last_name(self, record):
        return f"{record.first_name} {record.last_name}".strip()

    def render_status(self, record):
        label = record.get_status_display()
        if record.converted_at:
            label = "Converted"
        css = "text-bg-dark" if record.converted_at else STATUS_BADGES.get(record.status, "")
        return format_html('<span class="badge {}">{}</span>', css, label)

    def render_score(self, value):
        return format_html('<span class="badge {}">{}</span>', score_badge(value), value)
