from rest_framework import serializers

from core.assignment import assignable_owners, assignable_teams
from users.models import User


class RecordSerializer(serializers.ModelSerializer):
    """Owner/team writes obey the same rule as the forms (``core.assignment``).

    The owner and team fields are the ones the model's access policy names (``assignee`` and
    ``queue`` for tickets).
    """

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
