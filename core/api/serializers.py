from rest_framework import serializers

from users.models import MANAGER_ROLES


class RecordSerializer(serializers.ModelSerializer):
    """Owner/team writes obey the same rule as the forms: non-managers keep records in their
    own teams."""

    def validate_team(self, team):
        user = self.context["request"].user
        if team is None or user.role in MANAGER_ROLES:
            return team
        current = getattr(self.instance, "team_id", None)
        if team.pk not in user.team_ids and team.pk != current:
            raise serializers.ValidationError("You can only use one of your own teams.")
        return team
