from core.api.serializers import RecordSerializer
from core.api.viewsets import RecordViewSet

from . import services
from .filters import AccountFilterSet, ContactFilterSet
from .forms_activities import ActivityFilterSet
from .models import Account, Activity, Contact


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
        fields = ["id", "salutation", "first_name", "last_name", "title", "department", "account",
                  "email", "phone", "mobile", "mailing_street", "mailing_city", "mailing_postcode",
                  "mailing_region", "mailing_country", "birthday", "preferred_channel", "language",
                  "source", "owner", "team", "erased_at", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["erased_at", "created_at", "updated_at"]


class ActivitySerializer(RecordSerializer):
    class Meta:
        model = Activity
        fields = ["id", "kind", "subject", "body", "starts_at", "duration_minutes", "outcome",
                  "done", "done_at", "assigned_to", "team", "account", "contact", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["done_at", "created_at", "updated_at"]


class AccountViewSet(RecordViewSet):
    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet

    def create_defaults(self):
        return {"owner": self.request.user}

    def save_record(self, serializer, *, created, defaults):
        return services.account_save(
            account=None if created else serializer.instance,
            data={**defaults, **serializer.validated_data},
            by=self.request.user,
        )


class ContactViewSet(RecordViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    def create_defaults(self):
        return {"owner": self.request.user}

    def save_record(self, serializer, *, created, defaults):
        return services.contact_save(
            contact=None if created else serializer.instance,
            data={**defaults, **serializer.validated_data},
            by=self.request.user,
        )


class ActivityViewSet(RecordViewSet):
    """Calls, meetings, tasks, notes and e-mails; writes land on the 360° timeline."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet

    def create_defaults(self):
        return {"assigned_to": self.request.user}

    def save_record(self, serializer, *, created, defaults):
        return services.activity_save(
            activity=None if created else serializer.instance,
            data={**defaults, **serializer.validated_data},
            by=self.request.user,
        )

    def delete_record(self, instance):
        services.activity_delete(activity=instance, by=self.request.user)
