"""Who may hand a record to whom: written once for the forms, the bulk edit and the API.

Managers and administrators assign to any active user with a role and any team. Everybody
else keeps records within their own teams: the team is one of theirs, the owner is themselves
or someone who shares a team with them. The record's current owner and team stay allowed, so
editing other fields of a record someone else assigned never fails.
"""

from django.db.models import Q, QuerySet

from users.models import MANAGER_ROLES, Team, User


def _is_manager(user) -> bool:
    return user is None or user.role in MANAGER_ROLES


def assignable_teams(user, current_id=None) -> QuerySet:
    if _is_manager(user):
        return Team.objects.all()
    allowed = set(user.team_ids) | ({current_id} if current_id else set())
    return Team.objects.filter(pk__in=allowed)


def assignable_owners(user, current_id=None) -> QuerySet:
    people = User.objects.filter(is_active=True).exclude(role="")
    if _is_manager(user):
        return people
    condition = (
        Q(pk=user.pk) | Q(memberships__team__in=user.team_ids) | Q(managed_teams__in=user.team_ids)
    )
    if current_id:
        condition |= Q(pk=current_id)
    ids = people.filter(condition).values("pk")
    return people.filter(pk__in=ids)


def owner_team_id(owner, kind: str | None = None) -> int | None:
    """The team a record follows its owner into when none is given: the first (oldest) team
    (of ``kind``, when given) the owner belongs to or manages; None for no owner or no such
    team. Without it a rep's record would have no team and their own manager could not see
    it (sales records answer 404 outside the reader's teams)."""
    if owner is None:
        return None
    teams = Team.objects.filter(Q(memberships__user=owner) | Q(manager=owner))
    if kind is not None:
        teams = teams.filter(kind=kind)
    return teams.order_by("pk").values_list("pk", flat=True).first()
