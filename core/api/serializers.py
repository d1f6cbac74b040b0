from rest_framework import serializers

from users.models import MANAGER_ROLES, User


class RecordSerializer(serializers.ModelSerializer):
    """Owner/team writes obey the same rule as the forms: owners are active users with a role,
    and non-managers keep records in their own teams (or the record's current one).

    The owner and team fields are the ones the model's access policy names (``assignee`` and
    ``queue`` for tickets).
    """

    def get_fields(self):
        fields = super().get_fields()
        owner = fields.get(self.Meta.model.access.owner_field)
        if owner is not None and not owner.read_only:
            owner.queryset = User.objects.filter(is_active=True).exclude(role="")
        return fields

    def validate_team(self, team):
        user = self.context["request"].user
        if team is None or user.role in MANAGER_ROLES:
            return team
        current = getattr(self.instance, f"{self.Meta.model.access.team_field}_id", None)
        if team.pk not in user.team_ids and team.pk != current:
            raise serializers.ValidationError("You can only use one of your own teams.")
        return team
