"""Base viewset for every record API: same querysets, filtersets and access as the pages."""

from django.db import transaction
from rest_framework import viewsets

from .permissions import RowLevelAccess


class RecordViewSet(viewsets.ModelViewSet):
    """Subclasses set ``queryset``, ``serializer_class`` and ``filterset_class``.

    Reads go through ``visible_to(user)``; object writes through ``core.access.check``; every
    write runs in one transaction.
    """

    permission_classes = [RowLevelAccess]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action in ("list",):
            return qs.visible_to(self.request.user)
        return qs  # object actions: the object-level check answers 404 for the unreadable

    def perform_create(self, serializer):
        # Defaults fill what the client left out; a value it sent (even null) is kept.
        defaults = self.create_defaults()
        for name in serializer.validated_data:
            defaults.pop(name, None)
        with transaction.atomic():
            serializer.instance = self.save_record(serializer, created=True, defaults=defaults)

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.instance = self.save_record(serializer, created=False, defaults={})

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.delete_record(instance)

    # -- service hooks: route writes through the app's services, as the pages do -------------
    def save_record(self, serializer, *, created: bool, defaults: dict):
        return serializer.save(**defaults)

    def delete_record(self, instance) -> None:
        instance.delete()

    def create_defaults(self) -> dict:
        return {}
