from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import User


class MeSerializer(serializers.ModelSerializer):
    teams = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "teams"]

    def get_teams(self, obj) -> list[int]:
        return sorted(obj.team_ids)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """The authenticated user, their role and team ids."""
    return Response(MeSerializer(request.user).data)
