"""Row-level access, written once.

Every model that holds customer or business records names a policy (``access = ...``) and
uses ``RecordQuerySet``. Views, the API, exports and tasks then ask the same questions:

* ``Model.objects.visible_to(user)``  - rows the user may read (a SQL filter, never a loop);
* ``Model.objects.editable_by(user)`` - rows the user may change (bulk actions);
* ``check(user, obj, Action.CHANGE)``  - one object-level check that raises 404/403.

A record the user may not read answers 404 (not 403), so guessing ids leaks nothing.
"""

from __future__ import annotations

import enum
import functools
import operator

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from users.roles import MANAGER_ROLES, SALES_ROLES, Role


class Action(enum.StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


def active_role(user) -> str:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ""
    return user.role


ALL_ROWS = Q()
NO_ROWS = Q(pk__in=[])


class Policy:
    """Base policy: nobody sees anything. Subclasses open what their records need."""

    owner_field = "owner"
    team_field = "team"

    def __init__(self, *, owner_field: str | None = None, team_field: str | None = None):
        # The same rules can guard another table that carries owner/team facts under other
        # names (e.g. the timeline's copy of a ticket's assignee and queue).
        if owner_field:
            self.owner_field = owner_field
        if team_field:
            self.team_field = team_field

    # -- SQL side ---------------------------------------------------------------------------
    def read_condition(self, user) -> Q:
        """The rows the user may read, as a filter (``ALL_ROWS`` / ``NO_ROWS`` / a Q)."""
        return NO_ROWS

    def readable(self, user, qs: models.QuerySet) -> models.QuerySet:
        condition = self.read_condition(user)
        if condition is NO_ROWS:
            return qs.none()
        return qs if condition is ALL_ROWS else qs.filter(condition)

    def editable(self, user, qs: models.QuerySet) -> models.QuerySet:
        return qs.none()

    # -- object side (no query: uses the user's cached team ids) ----------------------------
    def can_read(self, user, obj) -> bool:
        return False

    def can_change(self, user, obj) -> bool:
        return False

    def can_delete(self, user, obj) -> bool:
        return self.can_change(user, obj)

    def can_add(self, user) -> bool:
        return False

    def can_list(self, user) -> bool:
        """May the user open the list at all? False answers 403 on the list page, its export
        and bulk actions, instead of an empty list: for roles the records are no business of."""
        return True

    # helpers
    def _owner_id(self, obj):
        return getattr(obj, f"{self.owner_field}_id")

    def _team_id(self, obj):
        return getattr(obj, f"{self.team_field}_id")

    def _mine_or_my_teams(self, user) -> Q:
        return Q(**{f"{self.owner_field}": user}) | Q(**{f"{self.team_field}__in": user.team_ids})


class CustomerRecordPolicy(Policy):
    """Accounts and contacts: one customer database that every role reads.

    Changing a record is for its owner, members of its team, managers and administrators.
    """

    def read_condition(self, user):
        return ALL_ROWS if active_role(user) else NO_ROWS

    def editable(self, user, qs):
        role = active_role(user)
        if not role:
            return qs.none()
        if role in MANAGER_ROLES:
            return qs
        return qs.filter(self._mine_or_my_teams(user))

    def can_read(self, user, obj):
        return bool(active_role(user))

    def can_change(self, user, obj):
        role = active_role(user)
        if not role:
            return False
        return (
            role in MANAGER_ROLES
            or self._owner_id(obj) == user.pk
            or self._team_id(obj) in user.team_ids
        )

    def can_add(self, user):
        return bool(active_role(user))


class SalesRecordPolicy(Policy):
    """Leads, opportunities, quotes, orders.

    A rep sees their own records and their team's unassigned queue; a sales manager sees the
    records of the teams they manage or belong to; administrators see all. Other roles see
    none (marketing reads sales figures only in aggregate, through analytics selectors).
    """

    def read_condition(self, user):
        role = active_role(user)
        if role == Role.ADMIN:
            return ALL_ROWS
        if role == Role.SALES_MANAGER:
            return self._mine_or_my_teams(user)
        if role == Role.SALES_REP:
            queue = {f"{self.owner_field}__isnull": True, f"{self.team_field}__in": user.team_ids}
            return Q(**{self.owner_field: user}) | Q(**queue)
        return NO_ROWS

    def editable(self, user, qs):
        return self.readable(user, qs)

    def can_read(self, user, obj):
        role = active_role(user)
        if role == Role.ADMIN:
            return True
        owner_id, team_id = self._owner_id(obj), self._team_id(obj)
        if role == Role.SALES_MANAGER:
            return owner_id == user.pk or team_id in user.team_ids
        if role == Role.SALES_REP:
            return owner_id == user.pk or (owner_id is None and team_id in user.team_ids)
        return False

    can_change = can_read

    def can_add(self, user):
        return active_role(user) in SALES_ROLES | {Role.ADMIN}

    can_list = can_add


class QueueRecordPolicy(Policy):
    """Tickets: agents see their queues' tickets (and those assigned to them); support
    managers and administrators see all."""

    owner_field = "assignee"
    team_field = "queue"

    def read_condition(self, user):
        role = active_role(user)
        if role in (Role.ADMIN, Role.SUPPORT_MANAGER):
            return ALL_ROWS
        if role == Role.SUPPORT_AGENT:
            return self._mine_or_my_teams(user)
        return NO_ROWS

    def editable(self, user, qs):
        return self.readable(user, qs)

    def can_read(self, user, obj):
        role = active_role(user)
        if role in (Role.ADMIN, Role.SUPPORT_MANAGER):
            return True
        if role == Role.SUPPORT_AGENT:
            return self._owner_id(obj) == user.pk or self._team_id(obj) in user.team_ids
        return False

    can_change = can_read

    def can_add(self, user):
        return active_role(user) in (Role.ADMIN, Role.SUPPORT_MANAGER, Role.SUPPORT_AGENT)

    can_list = can_add


class LinkedRecordPolicy(Policy):
    """A record that may be linked to another one (``type_field``/``id_field``, a generic
    foreign key): an activity logged on a deal, a lead or a ticket.

    Its own ``policy`` decides first; a linked record then also has to be readable under
    *its* model's policy. So an activity on another team's deal is as hidden as the deal
    (404 in pages and the API, absent from lists, exports, the calendar, the iCalendar feed
    and the timeline), and one on a ticket follows the ticket's queue. In SQL that is one
    ``related_id IN (<the user's visible rows of that model>)`` per model the user may not
    read in full (hashed once per query, or the parent's primary key per row); models the user
    reads in full cost nothing, and links to models the user reads nothing of are one
    ``NOT IN`` on the type.
    """

    type_field = "related_type"
    id_field = "related_id"

    def __init__(self, policy: Policy, *, type_field: str | None = None,
                 id_field: str | None = None):  # fmt: skip
        super().__init__(owner_field=policy.owner_field, team_field=policy.team_field)
        self.policy = policy
        self.type_field = type_field or self.type_field
        self.id_field = id_field or self.id_field

    # -- the link --------------------------------------------------------------------------
    @staticmethod
    def _guarded_models():
        """Models with a policy (any app's, without importing it), this one's excluded."""
        from django.apps import apps

        return [m for m in apps.get_models() if isinstance(getattr(m, "access", None), Policy)]

    def link_condition(self, user) -> Q:
        """Rows without a link, linked to a record of a model the user reads in full, or
        linked to a record the user may read."""
        from django.contrib.contenttypes.models import ContentType

        guarded, readable = [], []
        for model in self._guarded_models():
            policy = model.access
            if policy is self or policy.read_condition(user) is ALL_ROWS:
                continue
            type_id = ContentType.objects.get_for_model(model).pk
            guarded.append(type_id)
            parents = policy.readable(user, model._default_manager.all())
            if not parents.query.is_empty():
                # IN (subquery), not EXISTS: PostgreSQL hashes it once per query. Correlated
                # EXISTS over a few small tables got per-row cost estimates in the millions,
                # and JIT spent 2-4 s compiling a 180 ms activity list (200k activities).
                readable.append(
                    Q(
                        **{
                            f"{self.type_field}_id": type_id,
                            f"{self.id_field}__in": parents.values("pk"),
                        }
                    )
                )
        if not guarded:
            return ALL_ROWS
        return functools.reduce(
            operator.or_, readable, ~Q(**{f"{self.type_field}_id__in": guarded})
        )

    def linked_readable(self, user, obj) -> bool:
        """May the user read the record ``obj`` is linked to (True without a link)? One query
        for a link to a model the user does not read in full, remembered on ``obj``."""
        type_id, pk = getattr(obj, f"{self.type_field}_id"), getattr(obj, self.id_field)
        if not type_id or not pk:
            return True
        known = getattr(obj, "_linked_readable", None)
        if known is not None and known[0] == (user.pk, type_id, pk):
            return known[1]
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(type_id).model_class()
        policy = getattr(model, "access", None)
        if not isinstance(policy, Policy) or policy is self:
            return True
        if policy.read_condition(user) is ALL_ROWS:
            return True
        parent = model._default_manager.filter(pk=pk).first()
        allowed = parent is not None and policy.can_read(user, parent)
        obj._linked_readable = ((user.pk, type_id, pk), allowed)
        return allowed

    # -- SQL side --------------------------------------------------------------------------
    def read_condition(self, user):
        own = self.policy.read_condition(user)
        if own is NO_ROWS:
            return NO_ROWS
        link = self.link_condition(user)
        if link is ALL_ROWS:
            return own
        return link if own is ALL_ROWS else own & link

    def editable(self, user, qs):
        link = self.link_condition(user)
        qs = self.policy.editable(user, qs)
        return qs if link is ALL_ROWS else qs.filter(link)

    # -- object side -----------------------------------------------------------------------
    def can_read(self, user, obj):
        return self.policy.can_read(user, obj) and self.linked_readable(user, obj)

    def can_change(self, user, obj):
        return self.policy.can_change(user, obj) and self.linked_readable(user, obj)

    def can_delete(self, user, obj):
        return self.policy.can_delete(user, obj) and self.linked_readable(user, obj)

    def can_add(self, user):
        return self.policy.can_add(user)

    def can_list(self, user):
        return self.policy.can_list(user)


class RecordQuerySet(models.QuerySet):
    """QuerySet for every access-controlled model: ``Model.access`` holds its policy."""

    def visible_to(self, user):
        return self.model.access.readable(user, self)

    def editable_by(self, user):
        return self.model.access.editable(user, self)


class AdministrationPolicy(Policy):
    """Users and teams: administrators manage them; nobody else sees the admin pages."""

    def read_condition(self, user):
        return ALL_ROWS if active_role(user) == Role.ADMIN else NO_ROWS

    def editable(self, user, qs):
        return self.readable(user, qs)

    def can_read(self, user, obj):
        return active_role(user) == Role.ADMIN

    can_change = can_read

    def can_add(self, user):
        return active_role(user) == Role.ADMIN

    can_list = can_add


class PeoplePolicy(AdministrationPolicy):
    """Users are deactivated, never deleted: their records keep owner and history."""

    def can_delete(self, user, obj):
        return False


def is_allowed(user, obj, action: Action) -> bool:
    policy: Policy = type(obj).access
    if action == Action.VIEW:
        return policy.can_read(user, obj)
    if action == Action.CHANGE:
        return policy.can_change(user, obj)
    if action == Action.DELETE:
        return policy.can_delete(user, obj)
    raise ValueError(f"Object-level action expected, got {action}")


def check(user, obj, action: Action) -> None:
    """The object-level check used by views, the API and exports.

    Unreadable -> 404 (the id leaks nothing); readable but not allowed -> 403.
    """
    if not type(obj).access.can_read(user, obj):
        raise Http404
    if action != Action.VIEW and not is_allowed(user, obj, action):
        raise PermissionDenied


def check_add(user, model) -> None:
    if not model.access.can_add(user):
        raise PermissionDenied


def check_list(user, model) -> None:
    """List pages, exports and bulk actions: 403 for a role with no access to the model."""
    if not model.access.can_list(user):
        raise PermissionDenied
