from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from core.forms import RecordChoiceField, RecordForm

from .models import Ticket


class TicketForm(RecordForm):
    account = RecordChoiceField(Account, required=False, label=_("Account"))
    contact = RecordChoiceField(Contact, required=False, label=_("Contact"))

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
