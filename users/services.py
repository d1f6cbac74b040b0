"""Writes on users and teams. Called by the pages, the API and the demo loader."""

from django.db import transaction

from core import events

from .models import Team, User


@transaction.atomic
def user_save(*, user: User, teams, password: str = "", created: bool, by=None) -> User:
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    user.teams.set(teams)
    if created and not password:
        # The invitation is sent by a worker, after commit; the event survives a broker outage.
        events.record("user.invited", {"user_id": user.pk})
    return user


@transaction.atomic
def team_save(*, team: Team, members) -> Team:
    team.save()
    team.members.set(members)
    return team
