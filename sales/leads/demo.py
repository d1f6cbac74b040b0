"""Demo data for `make run` (called by core's load_demo, idempotent): assignment rules for the
Maven sales offices, reps' capacities, the generated leads' missing facts (region, industry,
size, title, BANT — good facts more often on qualified leads, so the history teaches
something), a few conversions, a trained scoring model and every demo lead's score."""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.utils import timezone

from accounts.models import Contact
from users.models import Role, Team, TeamMembership

from ..models import AssignmentRule, Lead, LeadScoringModel
from . import conversion, scoring

MARK = "demo:lead:"  # external_id of the generated leads (core's load_demo)
RULE_MARK = "demo:rule:"  # + position in RULES
CAPACITY = 30
CONVERTED_TARGET = 16
# (rule name, region, sources, min employees, team: office and manager's last name)
RULES = [
    ("Central – enterprise (1000+ employees)", "Central", [], 1000, "Central", "Marxen"),
    ("Central", "Central", [], None, "Central", "Brinkmann"),
    ("East – partners and referrals", "East", ["Partner", "Referral"], None, "East", "Neubert"),
    ("East", "East", [], None, "East", "Losch"),
    ("West – enterprise (1000+ employees)", "West", [], 1000, "West", "Sewald"),
    ("West", "West", [], None, "West", "Rouche"),
    # the rest waits in a queue a manager sees (a lead without team only admins see)
    ("Everything else (queue only)", None, [], None, "Central", "Brinkmann"),
]
INDUSTRIES = ["Technology", "Software", "Medical", "Finance", "Retail", "Telecommunications",
              "Services", "Marketing", "Entertainment", "Employment"]  # fmt: skip
GOOD_TITLES = ["CEO", "CFO", "Head of IT", "IT Director", "VP Operations", "Founder"]
OTHER_TITLES = ["Office Manager", "Procurement Manager", "Analyst", "Assistant", "Consultant"]
REASONS = [r for r in Lead.DisqualifiedReason.values if r not in ("duplicate", "spam")]


def _team(office: str, manager_last: str) -> Team | None:
    return Team.objects.filter(
        kind=Team.Kind.SALES, region=office, manager__last_name=manager_last
    ).first()


def load_rules(users) -> int:
    made = 0
    _adopt_rules()
    found = set(
        AssignmentRule.objects.filter(external_id__startswith=RULE_MARK).values_list(
            "external_id", flat=True
        )
    )
    for position, (name, region, sources, min_emp, office, manager) in enumerate(RULES, 1):
        team = _team(office, manager)
        if team is None or f"{RULE_MARK}{position}" in found:
            continue
        AssignmentRule.objects.create(
            external_id=f"{RULE_MARK}{position}", name=name, position=position,
            countries=[region] if region else [], sources=sources, min_employees=min_emp,
            team=team, round_robin=region is not None,
        )  # fmt: skip
        made += 1
    reps = [user for user in users.values() if user.role == Role.SALES_REP]  # the demo's
    TeamMembership.objects.filter(
        team__kind=Team.Kind.SALES, user__in=reps, max_open_leads__isnull=True
    ).update(max_open_leads=CAPACITY)
    return made


def _adopt_rules() -> None:
    """A database loaded before the rules had external ids: the demo's rules are the first
    with each of its names; they get their id once."""
    if AssignmentRule.objects.filter(external_id__startswith=RULE_MARK).exists():
        return
    for position, (name, *_) in enumerate(RULES, 1):
        rule = AssignmentRule.objects.filter(name=name, external_id="").order_by("pk").first()
        if rule is not None:
            AssignmentRule.objects.filter(pk=rule.pk).update(external_id=f"{RULE_MARK}{position}")


def enrich(rng_seed: int = 41) -> int:
    """Fill the generated leads' blank facts, once (only leads whose region is still blank)."""
    leads = list(
        Lead.objects.filter(external_id__startswith=MARK, region="", team__isnull=False)
        .select_related("team")
        .order_by("pk")
    )
    for lead in leads:
        rng = random.Random(rng_seed * 100_003 + lead.pk)
        good = lead.status == Lead.Status.QUALIFIED or (
            lead.status != Lead.Status.DISQUALIFIED and rng.random() < 0.4
        )
        lead.region = lead.team.region
        lead.country = "United States"
        lead.industry = rng.choice(INDUSTRIES[:6] if good else INDUSTRIES)
        lead.employees = rng.choice([1200, 2500, 800, 450] if good else [15, 40, 120, 300, 2000])
        lead.title = rng.choice(GOOD_TITLES if good and rng.random() < 0.8 else OTHER_TITLES)
        lead.authority = rng.choice(["decision_maker", "influencer"] if good else
                                    ["", "user", "influencer"])  # fmt: skip
        lead.timeframe = rng.choice(["now", "quarter"] if good else ["", "year", "later"])
        if good and rng.random() < 0.7:
            lead.budget = Decimal(rng.choice([5000, 12000, 25000, 60000]))
            lead.budget_currency = "USD"
            lead.need = "Replacing an ageing system; wants a demo."
        if lead.status == Lead.Status.DISQUALIFIED and not lead.disqualified_reason:
            lead.disqualified_reason = rng.choice(REASONS)
    Lead.objects.bulk_update(
        leads,
        ["region", "country", "industry", "employees", "title", "authority", "timeframe",
         "budget", "budget_currency", "need", "disqualified_reason"],
    )  # fmt: skip
    return len(leads)


def convert_some(accounts) -> int:
    """Convert a few qualified leads into Maven accounts and their existing contacts: the lead
    first brought in that very person (it takes their name and company; its external id and
    e-mail stay). The demo's accounts and contacts stay as they are, so the other demo parts
    stay idempotent."""
    done = Lead.objects.filter(external_id__startswith=MARK, converted_at__isnull=False).count()
    todo = list(
        Lead.objects.filter(
            external_id__startswith=MARK,
            status=Lead.Status.QUALIFIED,
            converted_at__isnull=True,
            owner__isnull=False,
        )
        .select_related("owner", "team")
        .order_by("pk")[: max(0, CONVERTED_TARGET - done)]
    )
    taken = set(
        Lead.objects.filter(converted_contact__isnull=False).values_list(
            "converted_contact_id", flat=True
        )
    )
    people = {}  # the demo's contacts (core's load_demo), never one a user added
    for contact in Contact.objects.filter(
        account__in=accounts, external_id__startswith="demo:contact:"
    ).order_by("pk"):
        if contact.pk not in taken:
            people.setdefault(contact.account_id, []).append(contact)
    by_owner = {}
    for account in accounts:
        if people.get(account.pk):
            by_owner.setdefault(account.owner_id, []).append(account)
    spare = [a for a in accounts if people.get(a.pk)]
    today = timezone.localdate()
    converted = 0
    for i, lead in enumerate(todo):
        choices = [a for a in by_owner.get(lead.owner_id, []) if people.get(a.pk)] or [
            a for a in spare if people.get(a.pk)
        ]
        if not choices:
            break
        account = choices[lead.pk % len(choices)]
        contact = people[account.pk].pop(0)
        Lead.objects.filter(pk=lead.pk).update(
            first_name=contact.first_name, last_name=contact.last_name, company=account.name,
            title=contact.title or lead.title,
        )  # fmt: skip
        conversion.convert_lead(
            lead=lead,
            by=lead.owner,
            account=account,
            contact=contact,
            create_opportunity=i % 3 != 2,
            opportunity_data={
                "name": f"{account.name}: new business",
                "amount": lead.budget or Decimal("10000"),
                "currency": "USD",
                "close_date": today + datetime.timedelta(days=20 + 5 * i),
            },
        )
        converted += 1
    return converted


def train_if_new_history() -> LeadScoringModel | None:
    latest = scoring.latest_model()
    converted = Lead.objects.filter(converted_at__isnull=False).count()
    disqualified = Lead.objects.filter(
        status=Lead.Status.DISQUALIFIED, converted_at__isnull=True
    ).count()
    if latest and (latest.converted, latest.disqualified) == (converted, disqualified):
        return latest
    return scoring.train()


def load(*, users, accounts, stdout):
    started = time.monotonic()
    rules = load_rules(users)
    enriched = enrich()
    converted = convert_some(accounts)
    model = train_if_new_history()
    scored = scoring.score_leads(Lead.objects.filter(external_id__startswith=MARK).order_by("pk"))
    trained = "trained" if model else "not trained (too little history)"
    stdout.write(
        f"Leads: {rules} assignment rules added, {enriched} leads completed, {converted} "
        f"converted, scoring model {trained}, {scored} scored "
        f"({time.monotonic() - started:.1f} s)."
    )
