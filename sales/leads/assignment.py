"""Lead assignment rules: the first active rule (by position) whose conditions a lead meets
sends it to the rule's team; inside the team, round-robin over the team's sales reps who are
not away and below their capacity (``TeamMembership.max_open_leads``), fairest first (the one
who got a lead longest ago). No rule: the lead waits unassigned in its (or no) team's queue.

Set-based: per chunk of leads the rules, the interests, the team members (locked with
``SELECT … FOR UPDATE``, so two concurrent runs cannot double-book a rep) and their open-lead
counts are read once; the choices are made in Python; then one UPDATE of the leads, one
INSERT of the logs and one notification per rep who got leads.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import notify
from users.models import Role, TeamMembership, User

from ..models import AssignmentLog, AssignmentRule, Lead
from . import timeline

OPEN = (Lead.Status.NEW, Lead.Status.WORKING)
CHUNK = 5000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Rule:
    """An ``AssignmentRule`` prepared for matching (lower-cased sets)."""

    obj: AssignmentRule
    places: frozenset[str]
    sources: frozenset[str]
    products: frozenset[int]

    def matches(self, lead: Lead, interests: set[int]) -> bool:
        o = self.obj
        if self.places:
            place = {v.strip().lower() for v in (lead.country, lead.region) if v}
            if not place & self.places:
                return False
        if self.sources and lead.source.strip().lower() not in self.sources:
            return False
        if self.products and not self.products & interests:
            return False
        if o.min_employees is not None and (lead.employees or 0) < o.min_employees:
            return False
        # an unknown size matches no upper bound
        return o.max_employees is None or (
            lead.employees is not None and lead.employees <= o.max_employees
        )

    def why(self, lead: Lead, interests: set[int]) -> str:
        """The conditions a matching ``lead`` met, in words, for the assignment log."""
        o = self.obj
        parts = []
        if self.places:
            met = [v.strip() for v in (lead.country, lead.region) if v]
            place = next(v for v in met if v.lower() in self.places)
            parts.append(_("country or region {place}").format(place=place))
        if self.sources:
            parts.append(_("source {source}").format(source=lead.source.strip()))
        if self.products:
            names = sorted(p.name for p in o.products.all() if p.pk in interests)
            parts.append(_("interest in {products}").format(products=", ".join(names)))
        if o.min_employees is not None or o.max_employees is not None:
            parts.append(_("{count} employees").format(count=lead.employees))
        if not parts:
            return _("it has no conditions: every lead matches")
        return ", ".join(parts)


def active_rules() -> list[Rule]:
    rules = AssignmentRule.objects.filter(active=True).select_related("team")
    rules = rules.prefetch_related("products").order_by("position", "id")
    return [
        Rule(
            obj=r,
            places=frozenset(c.strip().lower() for c in r.countries if c.strip()),
            sources=frozenset(s.strip().lower() for s in r.sources if s.strip()),
            products=frozenset(p.pk for p in r.products.all()),
        )
        for r in rules
    ]


def first_match(rules: list[Rule], lead: Lead, interests: set[int]) -> Rule | None:
    return next((r for r in rules if r.matches(lead, interests)), None)


class _Team:
    """The reps of one team who may get leads now, as a heap: fairest first."""

    def __init__(self, team_id: int):
        members = list(
            TeamMembership.objects.select_for_update(of=("self",))
            .filter(
                team_id=team_id,
                user__role=Role.SALES_REP,
                user__is_active=True,
                user__is_away=False,
            )
            .select_related("user")
            .order_by("pk")
        )
        # Counted after the lock: a concurrent run's leads are committed and visible by now.
        open_counts = dict(
            Lead.objects.filter(owner_id__in=[m.user_id for m in members], status__in=OPEN)
            .values_list("owner_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.members = {m.pk: m for m in members}
        self.open = {m.pk: open_counts.get(m.user_id, 0) for m in members}
        self.heap = [((m.last_lead_at or _EPOCH), m.pk) for m in members if self._has_room(m.pk)]
        heapq.heapify(self.heap)
        self.touched: set[int] = set()

    def _has_room(self, member_id: int) -> bool:
        cap = self.members[member_id].max_open_leads
        return cap is None or self.open[member_id] < cap

    def why_no_rep(self, team) -> str:
        """Why round-robin found nobody: no rep who may get leads, or every one is full."""
        if not self.members:
            return _("{team} has no sales rep who is active and not away").format(team=team)
        held = sum(self.open.values())
        room = sum(m.max_open_leads or 0 for m in self.members.values())
        return _(
            "every rep of {team} is at capacity ({held} open leads of {room} they may hold)"
        ).format(team=team, held=held, room=room)

    def next_rep(self, lead: Lead, now: datetime) -> User | None:
        if not self.heap:
            return None
        _when, member_id = heapq.heappop(self.heap)
        member = self.members[member_id]
        if lead.status in OPEN:
            self.open[member_id] += 1
        # Unique, increasing times inside one run keep the order for the next run too.
        member.last_lead_at = now
        self.touched.add(member_id)
        if self._has_room(member_id):
            heapq.heappush(self.heap, (now, member_id))
        return member.user


def _interests(leads: list[Lead]) -> dict[int, set[int]]:
    through = Lead.interest.through
    out = defaultdict(set)
    rows = through.objects.filter(lead_id__in=[lead.pk for lead in leads])
    for lead_id, product_id in rows.values_list("lead_id", "product_id"):
        out[lead_id].add(product_id)
    return out


def _ints(values) -> str:
    """A PostgreSQL array literal of whole numbers (or NULL): sent as one text parameter,
    which is much cheaper to build than an adapted list of 10,000 Python ints."""
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def _write(changed: list[Lead], rule_ids: list[int], note_ids: list[int], notes: list[str],
           now) -> None:  # fmt: skip
    """One UPDATE of the leads and one INSERT of their logs, whatever the number."""
    qn = connection.ops.quote_name
    leads, logs = qn(Lead._meta.db_table), qn(AssignmentLog._meta.db_table)
    log_columns = ", ".join(
        qn(AssignmentLog._meta.get_field(name).column)
        for name in ("lead", "rule", "team", "owner", "assigned_by", "note", "created_at")
    )
    ids = _ints(lead.pk for lead in changed)
    owners = _ints(lead.owner_id for lead in changed)
    teams = _ints(lead.team_id for lead in changed)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {leads} AS l SET owner_id = v.owner_id, team_id = v.team_id, "  # noqa: S608 - identifiers from the models
            "assigned_at = CASE WHEN v.owner_id IS NULL THEN l.assigned_at ELSE %s END, "
            "updated_at = %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, owner_id, team_id) "
            "WHERE l.id = v.id",
            [now, now, ids, owners, teams],
        )
        cursor.execute(
            f"INSERT INTO {logs} ({log_columns}) "  # noqa: S608 - identifiers from the models
            "SELECT v.lead_id, v.rule_id, v.team_id, v.owner_id, NULL, (%s::text[])[v.note], %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::int[]) "
            "AS v(lead_id, rule_id, team_id, owner_id, note)",
            [notes, now, ids, _ints(rule_ids), teams, owners, _ints(note_ids)],
        )


def _notify(received: dict[int, list[Lead]], owners: dict[int, User]) -> None:
    for owner_id, leads in received.items():
        owner = owners[owner_id]
        if len(leads) == 1:
            lead = leads[0]
            body = f"The assignment rules gave you the lead {lead}."
            notify(owner, f"New lead for you: {lead}", body, lead.get_absolute_url())
        else:
            url = f"{reverse('sales:lead_list')}?owner={owner_id}&status=new"
            notify(owner, f"{len(leads)} new leads for you",
                   f"The assignment rules gave you {len(leads)} leads.", url)  # fmt: skip


def assign_leads(leads, *, by=None, explain_unmatched: bool = False) -> int:
    """Apply the rules to the given leads that have no owner (and are not converted).

    ``leads``: Lead instances or ids. ``by``: who started the run (kept in the log's note; the
    log's ``assigned_by`` stays empty, the rules assigned). ``explain_unmatched``: log for a
    lead no rule matched what it was checked on (new leads: once, not at every run over the
    queue). Returns how many leads got a rep. The caller's instances are updated in place.
    """
    leads = list(leads)
    if leads and not isinstance(leads[0], Lead):
        leads = list(Lead.objects.filter(pk__in=leads).order_by("pk"))
    todo = [lead for lead in leads if lead.owner_id is None and lead.converted_at is None]
    if not todo:
        return 0
    given = 0
    with transaction.atomic():
        rules = active_rules()
        for start in range(0, len(todo), CHUNK):
            given += _assign_chunk(todo[start : start + CHUNK], rules, by, explain_unmatched)
    return given


def _unmatched(lead: Lead, rules: list[Rule]) -> str:
    if not rules:
        return _("No assignment rule is active: it waits unassigned")
    facts = [
        _("country {value}").format(value=lead.country) if lead.country else "",
        _("region {value}").format(value=lead.region) if lead.region else "",
        _("source {value}").format(value=lead.source) if lead.source else "",
        _("{count} employees").format(count=lead.employees) if lead.employees else "",
    ]
    checked = ", ".join(f for f in facts if f) or _("no country, region, source or size given")
    return _("No rule matched ({checked}): it waits unassigned").format(checked=checked)


def _assign_chunk(leads: list[Lead], rules: list[Rule], by, explain_unmatched=False) -> int:
    now = timezone.now()
    needs_products = any(r.products for r in rules)
    interests = _interests(leads) if needs_products else {}
    plan: dict[int, Rule] = {}  # lead id -> rule
    for lead in leads:
        rule = first_match(rules, lead, interests.get(lead.pk, set())) if rules else None
        if rule is not None:
            plan[lead.pk] = rule
    team_ids = sorted({r.obj.team_id for r in plan.values() if r.obj.round_robin})
    teams = {team_id: _Team(team_id) for team_id in team_ids}  # locks, in a fixed order

    changed, rule_ids, note_ids, received, owners = [], [], [], defaultdict(list), {}
    notes: dict[str, int] = {}  # note text -> its 1-based index (a PostgreSQL array's)
    seq = 0
    note_by = f" (run by {by})" if by else ""
    for lead in sorted(leads, key=lambda x: (x.created_at or now, x.pk)):
        rule = plan.get(lead.pk)
        if rule is None:
            if explain_unmatched:
                changed.append(lead)
                rule_ids.append(None)
                note_ids.append(notes.setdefault((_unmatched(lead, rules) + note_by)[:255],
                                                 len(notes) + 1))  # fmt: skip
            continue
        owner = None
        team = rule.obj.team
        if rule.obj.round_robin:
            seq += 1
            owner = teams[rule.obj.team_id].next_rep(lead, now + timedelta(microseconds=seq))
        if owner is None and lead.team_id == rule.obj.team_id:
            continue  # already waiting in that team's queue
        lead.team_id = rule.obj.team_id
        lead.owner_id = owner.pk if owner else None
        if owner:
            lead.assigned_at = now
            owners[owner.pk] = owner
            received[owner.pk].append(lead)
            outcome = _("round-robin in {team} gave it to {owner}").format(team=team, owner=owner)
        elif rule.obj.round_robin:
            outcome = _("{reason}; it waits in {team}'s queue").format(
                reason=teams[rule.obj.team_id].why_no_rep(team), team=team
            )
        else:
            outcome = _("the rule leaves its leads in {team}'s queue (no round-robin)").format(
                team=team
            )
        why = rule.why(lead, interests.get(lead.pk, set()))
        note = _("Rule “{rule}” matched ({why}): {outcome}").format(
            rule=rule.obj.name, why=why, outcome=outcome
        )
        changed.append(lead)
        rule_ids.append(rule.obj.pk)
        note_ids.append(notes.setdefault((note + note_by)[:255], len(notes) + 1))
    if not changed:
        return 0
    _write(changed, rule_ids, note_ids, list(notes), now)
    touched = [m for t in teams.values() for mid, m in t.members.items() if mid in t.touched]
    TeamMembership.objects.bulk_update(touched, ["last_lead_at"])
    timeline.follow_many([lead.pk for lead in changed])
    _notify(received, owners)
    return sum(len(v) for v in received.values())
