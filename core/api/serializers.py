import datetime

from django.db import models
from django.http import QueryDict
from rest_framework import serializers

from core.assignment import assignable_owners, assignable_teams
from users.models import User

# The JSON type each kind of field documents in the schema, checked before DRF's own parsing
# (which would turn 0 into "0" for a text, 1 into True for a flag or "5" into 5 for an id).
_NUMBER = (int, float)
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "a boolean"),
    (serializers.CharField, (str,), "a string"),
    (serializers.MultipleChoiceField, (list,), "a list"),
    (serializers.TimeField, (str,), "a string"),
    (serializers.DateField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "a string"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.FloatField, _NUMBER, "a number"),
    (serializers.DecimalField, (str, int), "a decimal number (a string, or a whole number)"),
    (serializers.ListField, (list,), "a list"),
    (serializers.ManyRelatedField, (list,), "a list of ids"),
)


def _json_type_error(field, value) -> str | None:
    if value is None:
        return None  # allow_null is the field's to check
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        pk = field.queryset.model._meta.pk if field.queryset is not None else None
        numeric = pk is None or pk.get_internal_type().endswith(("AutoField", "IntegerField"))
        if numeric and (isinstance(value, bool) or not isinstance(value, int)):
            return "Expected an id (an integer)."
        return None
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        types = tuple({type(key) for key in field.choices}) or (str,)
        if isinstance(value, bool) or not isinstance(value, types):
            return "Expected one of the choices."
        return None
    if isinstance(field, serializers.DecimalField) and value == "":
        return "Expected a decimal number (a string, or a whole number)."
    for field_class, types, name in _JSON_TYPES:
        if isinstance(field, field_class):
            if isinstance(value, bool) and bool not in types:
                return f"Expected {name}."
            return None if isinstance(value, types) else f"Expected {name}."
    return None


class StrictTypes:
    """A JSON body's values must have the type the schema documents: DRF would coerce
    ``{"description": 0}`` or ``{"done": 1}`` and accept what the schema calls invalid. Form
    data (every value a string) is left to the fields."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {}
            for field in self._writable_fields:
                if field.field_name in data:
                    error = _json_type_error(field, data[field.field_name])
                    if error:
                        errors[field.field_name] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class DateTimeField(serializers.DateTimeField):
    """Times in the CRM's time zone, but in UTC where that zone's offset was not a whole number
    of minutes (local mean time: Europe/Rome was +00:49:56 before 1893), which RFC 3339 — the
    schema's date-time — cannot write."""

    def enforce_timezone(self, value):
        value = super().enforce_timezone(value)
        offset = value.utcoffset() if isinstance(value, datetime.datetime) else None
        if offset is not None and offset.seconds % 60:
            return value.astimezone(datetime.UTC)
        return value


class RecordSerializer(StrictTypes, serializers.ModelSerializer):
    """Owner/team writes obey the same rule as the forms (``core.assignment``).

    The owner and team fields are the ones the model's access policy names (``assignee`` and
    ``queue`` for tickets).
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        policy = self.Meta.model.access
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None  # schema generation: no user, every choice
        owner = fields.get(policy.owner_field)
        if owner is not None and not owner.read_only:
            current = getattr(self.instance, f"{policy.owner_field}_id", None)
            owner.queryset = (
                assignable_owners(user, current)
                if user is not None
                else User.objects.filter(is_active=True).exclude(role="")
            )
        return fields

    def validate_team(self, team):
        user = self.context["request"].user
        if team is None:
            return team
        current = getattr(self.instance, f"{self.Meta.model.access.team_field}_id", None)
        if not assignable_teams(user, current).filter(pk=team.pk).exists():
            raise serializers.ValidationError("You can only use one of your own teams.")
        return team
