from core.forms import RecordForm

from .models import Lead


class LeadForm(RecordForm):
    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "company", "email", "phone", "source", "status",
                  "owner", "team"]  # fmt: skip
