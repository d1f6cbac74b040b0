from core.api.serializers import RecordSerializer
from core.api.viewsets import RecordViewSet

from .filters import AccountFilterSet, ContactFilterSet
from .models import Account, Contact


class AccountSerializer(RecordSerializer):
    class Meta:
        model = Account
        fields = ["id", "name", "kind", "industry", "tier", "segment", "parent", "website",
                  "phone", "email", "billing_street", "billing_city", "billing_postcode",
                  "billing_region", "billing_country", "annual_revenue", "currency", "employees",
                  "source", "owner", "team", "description", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class ContactSerializer(RecordSerializer):
    class Meta:
        model = Contact
        fields = ["id", "first_name", "last_name", "title", "account", "email", "phone", "owner",
                  "team", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class AccountViewSet(RecordViewSet):
    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet

    def create_defaults(self):
        return {"owner": self.request.user}


class ContactViewSet(RecordViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    def create_defaults(self):
        return {"owner": self.request.user}
