from core.api.serializers import RecordSerializer
from core.api.viewsets import RecordViewSet

from .filters import TicketFilterSet
from .models import Ticket


class TicketSerializer(RecordSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "subject", "description", "account", "contact", "status", "priority",
                  "channel", "queue", "assignee", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate_queue(self, queue):
        return self.validate_team(queue)


class TicketViewSet(RecordViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
