from core.api.serializers import RecordSerializer
from core.api.viewsets import RecordViewSet

from .filters import LeadFilterSet
from .models import Lead


class LeadSerializer(RecordSerializer):
    class Meta:
        model = Lead
        fields = ["id", "first_name", "last_name", "company", "email", "phone", "source",
                  "status", "owner", "team", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class LeadViewSet(RecordViewSet):
    queryset = Lead.objects.all()
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet

    def create_defaults(self):
        return {"owner": self.request.user}
