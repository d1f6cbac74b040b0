import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html

from core import access
from core.access import Action
from core.tables import RecordTable

from .models import Activity

KIND_ICONS = {
    Activity.Kind.CALL: "telephone",
    Activity.Kind.MEETING: "people",
    Activity.Kind.TASK: "check2-square",
    Activity.Kind.NOTE: "sticky",
    Activity.Kind.EMAIL: "envelope",
}


class ActivityTable(RecordTable):
    kind = tables.Column(verbose_name="Kind")
    subject = tables.Column(linkify=True)
    starts_at = tables.DateTimeColumn(verbose_name="When / due", format="D j M Y, H:i")
    account = tables.Column(linkify=True)
    contact = tables.Column(linkify=True, order_by=("contact__last_name", "contact__first_name"))
    assigned_to = tables.Column(verbose_name="Assigned to")
    done = tables.Column(verbose_name="Status", attrs={"td": {"class": "text-nowrap"}})

    class Meta(RecordTable.Meta):
        model = Activity
        fields = ("pk", "kind", "subject", "starts_at", "account", "contact", "assigned_to", "done")
        order_by = ("-starts_at",)

    def render_kind(self, record):
        return format_html(
            '<i class="bi bi-{} me-1" aria-hidden="true"></i>{}',
            KIND_ICONS.get(record.kind, "circle"),
            record.get_kind_display(),
        )

    def render_done(self, record):
        request = getattr(self, "request", None)
        can_change = request is not None and access.is_allowed(request.user, record, Action.CHANGE)
        return render_to_string(
            "accounts/_activity_status.html",
            {"activity": record, "can_change": can_change},
            request=request,
        )
