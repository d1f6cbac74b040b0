from core.api.serializers import RecordSerializer
from core.api.viewsets import RecordViewSet
from users.models import SUPPORT_ROLES, Team, User

from .filters import TicketFilterSet
from .models import Ticket


class TicketSerializer(RecordSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "subject", "description", "account", "contact", "status", "priority",
                  "channel", "queue", "assignee", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        # The ticket form's choices: support queues, and support staff as assignees.
        fields = super().get_fields()
        fields["queue"].queryset = Team.objects.filter(kind=Team.Kind.SUPPORT)
        fields["assignee"].queryset = User.objects.filter(is_active=True, role__in=SUPPORT_ROLES)
        return fields

    def validate_queue(self, queue):
        return self.validate_team(queue)


class TicketViewSet(RecordViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
