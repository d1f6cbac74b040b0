from core.views.generic import RecordViews

from .filters import TicketFilterSet
from .forms import TicketForm
from .models import Ticket
from .tables import TicketTable


class TicketViews(RecordViews):
    model = Ticket
    namespace = "service"
    queryset = Ticket.objects.select_related("account", "queue", "assignee")
    filterset_class = TicketFilterSet
    table_class = TicketTable
    form_class = TicketForm
    detail_fields = ("account", "contact", "status", "priority", "channel", "queue", "assignee",
                     "description")  # fmt: skip
    export_fields = ("id", "subject", "account__name", "status", "priority", "channel",
                     "queue__name", "assignee__username", "created_at")  # fmt: skip

    @classmethod
    def save(cls, *, form, user, created):
        from .timeline import record_ticket, snapshot

        before = {} if created else snapshot(Ticket.objects.get(pk=form.instance.pk))
        ticket = form.save()
        record_ticket(ticket, before=before, by=user)
        return ticket

    @classmethod
    def initial_for_create(cls, request):
        return {"assignee": request.user.pk}
