from core.forms import RecordForm

from .models import Ticket


class TicketForm(RecordForm):
    class Meta:
        model = Ticket
        fields = ["subject", "description", "account", "contact", "status", "priority", "channel",
                  "queue", "assignee"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from users.models import SUPPORT_ROLES, Team, User

        self.fields["queue"].queryset = Team.objects.filter(kind=Team.Kind.SUPPORT)
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, role__in=SUPPORT_ROLES
        )
        self.fields["account"].queryset = self.fields["account"].queryset.only("pk", "name")
