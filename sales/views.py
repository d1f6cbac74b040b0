from core.forms import OwnerTeamBulkEditForm
from core.views.generic import RecordViews

from .filters import LeadFilterSet
from .forms import LeadForm
from .models import Lead
from .tables import LeadTable


class LeadViews(RecordViews):
    model = Lead
    namespace = "sales"
    queryset = Lead.objects.select_related("owner", "team")
    filterset_class = LeadFilterSet
    table_class = LeadTable
    form_class = LeadForm
    bulk_edit_form = OwnerTeamBulkEditForm
    detail_fields = ("company", "email", "phone", "source", "status", "owner", "team")
    export_fields = ("id", "first_name", "last_name", "company", "email", "phone", "source",
                     "status", "owner__username", "team__name", "created_at")  # fmt: skip
