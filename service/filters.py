import django_filters

from core.filters import RecordFilterSet, owner_filter, team_filter

from .models import Ticket


class TicketFilterSet(RecordFilterSet):
    search_fields = ("subject",)
    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices)
    priority = django_filters.ChoiceFilter(choices=Ticket.Priority.choices)
    channel = django_filters.ChoiceFilter(choices=Ticket.Channel.choices)
    queue = team_filter("queue", "Queue")
    assignee = owner_filter("assignee", "Assignee")

    class Meta:
        model = Ticket
        fields = ["q", "status", "priority", "channel", "queue", "assignee"]
