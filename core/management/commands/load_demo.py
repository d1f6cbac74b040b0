"""Demo data for `make run`: the Maven CRM sales teams and accounts, plus generated contacts,
activities, leads and tickets. Idempotent: every record the demo creates carries an external id of
its own (``demo:account:<Maven name>``, ``demo:contact:<Maven name>:<n>``, ``demo:lead:<team
id>.<n>``, ``demo:activity:…``, ``demo:ticket:<n>``) and is found again by it alone, so
re-running adds nothing and never trips over records users made with the same names (users and
teams are matched on their unique username and team name). Source data:
../shared/data/maven_crm_sales (Maven Analytics, public domain)."""

import csv
import random
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.models import Account, Activity, Contact
from accounts.services import activity_save
from billing import demo as billing_demo
from catalog import demo as catalog_demo
from sales.forecast import demo as forecast_demo
from sales.leads import demo as leads_demo
from sales.models import Lead, Opportunity
from sales.pipeline import demo as pipeline_demo
from sales.quotes import demo as quotes_demo
from service.models import Ticket
from users.models import Role, Team, TeamMembership, User

DEMO_PASSWORD = "demo-crm-2026"
MAVEN = Path(settings.SHARED_DATA_DIR) / "maven_crm_sales"

# Fixed people for the roles the Maven data has no one for.
STAFF = [
    ("admin", "Ada", "Admin", Role.ADMIN, None),
    ("marta.ricci", "Marta", "Ricci", Role.MARKETING, "Marketing"),
    ("lena.vogel", "Lena", "Vogel", Role.SUPPORT_MANAGER, None),
    ("sam.okafor", "Sam", "Okafor", Role.SUPPORT_AGENT, "Support – Tier 1"),
    ("priya.nair", "Priya", "Nair", Role.SUPPORT_AGENT, "Support – Billing"),
]
# Shown by `make run`: one login per role.
LOGINS = [
    ("admin", "Administrator"),
    ("dustin.brinkmann", "Sales manager (Central)"),
    ("anna.snelling", "Sales rep (Central)"),
    ("marta.ricci", "Marketing"),
    ("sam.okafor", "Support agent (Tier 1)"),
    ("lena.vogel", "Support manager"),
]
INDUSTRY_SPELLING = {"technolgy": "technology"}  # a known quirk of the Maven file
DEMO_REP = "anna.snelling"  # gets overdue and today's tasks, so "My day" is not empty
ACTIVITY_SUBJECTS = {
    Activity.Kind.CALL: ["Follow-up call", "Renewal call", "Discovery call", "Pricing questions"],
    Activity.Kind.MEETING: ["Quarterly review", "Product demo", "On-site visit", "Kick-off"],
    Activity.Kind.TASK: ["Send the quote", "Prepare the contract", "Check the open invoice",
                         "Schedule a demo", "Update billing details"],
    Activity.Kind.NOTE: ["Budget approved for next year", "New decision maker",
                         "Prefers e-mail to calls", "Interested in the upgrade"],
    Activity.Kind.EMAIL: ["Sent the proposal", "Sent the brochure", "Confirmed the meeting"],
}  # fmt: skip
OUTCOMES = ["Reached", "Left a voicemail", "Positive", "Needs a follow-up"]
# The demo's own external ids (see the module docstring).
ACCOUNT_KEY = "demo:account:"
CONTACT_KEY = "demo:contact:"
LEAD_KEY = leads_demo.MARK
TICKET_KEY = "demo:ticket:"
SUPPORT_QUEUES = [team for *_, team in STAFF if team and team.startswith("Support")]


def username_for(full_name: str) -> str:
    return ".".join(full_name.lower().split())


def read_csv(path: Path):
    with path.open(newline="", encoding="utf-8-sig") as fh:
        yield from csv.DictReader(fh)


class Command(BaseCommand):
    help = "Load demo users, teams, accounts, contacts, leads and tickets (idempotent)."
    # Demo accounts of a database loaded before they had external ids (see adopt_accounts)
    adopted: set[int] = frozenset()

    def add_arguments(self, parser):
        parser.add_argument("--list-logins", action="store_true", help="Print demo logins only.")

    def handle(self, *args, list_logins=False, **options):
        if list_logins:
            for username, label in LOGINS:
                self.stdout.write(f"    {label:<28} {username}")
            return
        with transaction.atomic():
            users = self.load_people()
            accounts = self.load_accounts(users)
            self.load_contacts(accounts)
            self.load_activities(accounts, users)
            self.load_leads(users)
            self.load_tickets(accounts)
            # Each part of sales (and the catalog, billing) loads its own demo data, in the
            # order they depend on each other.
            for part in (catalog_demo, pipeline_demo, leads_demo, forecast_demo, quotes_demo,
                         billing_demo):  # fmt: skip
                part.load(users=users, accounts=accounts, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))

    # -- people and teams ---------------------------------------------------------------------
    def user(self, username, first, last, role, **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "role": role,
                **extra,
            },
        )
        if created:
            # One PBKDF2 hash for every demo user (they share the password): hashing 46 times
            # would take most of load_demo's time.
            if not hasattr(self, "_password_hash"):
                self._password_hash = make_password(DEMO_PASSWORD)
            user.password = self._password_hash
            user.save(update_fields=["password"])
        return user

    def team(self, name, kind, region="", manager=None) -> Team:
        team, _ = Team.objects.get_or_create(
            name=name, defaults={"kind": kind, "region": region, "manager": manager}
        )
        return team

    def join(self, team, user):
        TeamMembership.objects.get_or_create(team=team, user=user)

    def load_people(self) -> dict[str, User]:
        users = {}
        for username, first, last, role, _ in STAFF:
            extra = {"is_staff": True, "is_superuser": True} if role == Role.ADMIN else {}
            users[username] = self.user(username, first, last, role, **extra)
        self.team("Marketing", Team.Kind.MARKETING, manager=users["marta.ricci"])
        support_manager = users["lena.vogel"]
        for username, *_, team_name in STAFF:
            if team_name and team_name.startswith("Support"):
                queue = self.team(team_name, Team.Kind.SUPPORT, manager=support_manager)
                self.join(queue, users[username])
            elif team_name:
                self.join(Team.objects.get(name=team_name), users[username])

        for row in read_csv(MAVEN / "sales_teams.csv"):
            manager_name, office = row["manager"], row["regional_office"]
            manager = self.user(username_for(manager_name), *manager_name.split(" ", 1),
                                Role.SALES_MANAGER)  # fmt: skip
            team = self.team(f"{office} – {manager_name}", Team.Kind.SALES, office, manager)
            self.join(team, manager)
            agent = self.user(username_for(row["sales_agent"]), *row["sales_agent"].split(" ", 1),
                              Role.SALES_REP)  # fmt: skip
            self.join(team, agent)
            users[agent.username] = agent
            users[manager.username] = manager
        return users

    # -- customers -----------------------------------------------------------------------------
    def load_accounts(self, users) -> list[Account]:
        deals_by_account = defaultdict(Counter)
        for deal in read_csv(MAVEN / "sales_pipeline.csv"):
            if deal["account"]:
                deals_by_account[deal["account"]][username_for(deal["sales_agent"])] += 1
        team_of = {
            m.user_id: m.team_id for m in TeamMembership.objects.filter(team__kind=Team.Kind.SALES)
        }
        rows = list(read_csv(MAVEN / "accounts.csv"))
        self.adopted = self.adopt_accounts([row["account"] for row in rows])
        found = {
            a.external_id: a
            for a in Account.objects.filter(
                external_id__in=[ACCOUNT_KEY + row["account"] for row in rows]
            )
        }
        accounts = []
        for row in rows:
            account = found.get(ACCOUNT_KEY + row["account"])
            if account is None:
                top = deals_by_account[row["account"]].most_common(1)
                owner = users.get(top[0][0]) if top else None
                account = Account.objects.create(
                    name=row["account"],
                    external_id=ACCOUNT_KEY + row["account"],
                    industry=INDUSTRY_SPELLING.get(row["sector"], row["sector"]).title(),
                    billing_country=row["office_location"],
                    annual_revenue=Decimal(row["revenue"]) * 1_000_000,
                    currency="USD",
                    employees=int(row["employees"]),
                    owner=owner,
                    team_id=team_of.get(owner.pk) if owner else None,
                    description=f"Established {row['year_established']}.",
                )
            accounts.append(account)
        return accounts

    def adopt_accounts(self, names) -> set[int]:
        """A database loaded before the demo's accounts had external ids: its demo accounts are
        the ones the demo's own activities (``demo:activity:<account id>:<n>``) and Maven deals
        (``maven:<id>``) point to, never a same-named account of a user. They get their external
        id once; returns their ids (their contacts and tickets are then tagged too)."""
        if Account.objects.filter(external_id__startswith=ACCOUNT_KEY).exists():
            return set()
        ids = set(
            Opportunity.objects.filter(external_id__startswith="maven:", account__isnull=False)
            .values_list("account_id", flat=True)
            .distinct()
        )
        for external_id in Activity.objects.filter(
            external_id__regex=r"^demo:activity:[0-9]+:"
        ).values_list("external_id", flat=True):
            ids.add(int(external_id.split(":")[2]))
        earlier = {}
        for account in Account.objects.filter(
            pk__in=ids, name__in=names, external_id__isnull=True
        ).order_by("pk"):
            earlier.setdefault(account.name, account)
        for name, account in earlier.items():
            Account.objects.filter(pk=account.pk).update(external_id=ACCOUNT_KEY + name)
        return {account.pk for account in earlier.values()}

    def load_contacts(self, accounts):
        fake = Faker()
        fake.seed_instance(2026)
        rng = random.Random(2026)
        titles = ["CEO", "CFO", "Head of IT", "Procurement Manager", "Operations Director",
                  "Office Manager", "CTO"]  # fmt: skip
        planned = []  # (external id, account, fields): the same people on every run
        for account in accounts:
            name = account.external_id.removeprefix(ACCOUNT_KEY)
            domain = "".join(ch for ch in name.lower() if ch.isalnum()) + ".example"
            for n in range(rng.randint(2, 4)):
                first, last = fake.first_name(), fake.last_name()
                fields = {
                    "email": f"{first}.{last}@{domain}".lower(),
                    "first_name": first,
                    "last_name": last,
                    "title": rng.choice(titles),
                    "phone": fake.phone_number(),
                }
                planned.append((f"{CONTACT_KEY}{name}:{n}", account, fields))
        found = set(
            Contact.objects.filter(external_id__in=[key for key, *_ in planned]).values_list(
                "external_id", flat=True
            )
        )
        for key, account, fields in planned:
            if key in found:
                continue
            if account.pk in self.adopted:  # loaded before contacts had external ids
                earlier = (
                    Contact.objects.filter(
                        account=account, email=fields["email"], external_id__isnull=True
                    )
                    .order_by("pk")
                    .first()
                )
                if earlier is not None:
                    Contact.objects.filter(pk=earlier.pk).update(external_id=key)
                    continue
            Contact.objects.create(
                external_id=key,
                account=account,
                owner_id=account.owner_id,
                team_id=account.team_id,
                **fields,
            )

    def load_activities(self, accounts, users):
        """Calls, meetings, tasks, notes and e-mails of the last months and the next weeks for
        each demo account, assigned to its owner, through ``activity_save`` (history and
        timeline entries). A few overdue and today's tasks for the demo rep. Natural key:
        ``external_id`` ``demo:activity:<account id>:<n>``, made from a seeded RNG."""
        rng = random.Random(2027)
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        existing = set(
            Activity.objects.filter(external_id__startswith="demo:").values_list(
                "external_id", flat=True
            )
        )
        contacts_of = defaultdict(list)  # the demo's people only, not those users added
        for contact in Contact.objects.filter(
            account__in=accounts, external_id__startswith=CONTACT_KEY
        ).order_by("pk"):
            contacts_of[contact.account_id].append(contact)
        owners = {u.pk: u for u in User.objects.filter(pk__in={a.owner_id for a in accounts})}
        kinds = [Activity.Kind.CALL] * 3 + [Activity.Kind.EMAIL] * 2 + [
            Activity.Kind.MEETING, Activity.Kind.TASK, Activity.Kind.TASK, Activity.Kind.NOTE,
        ]  # fmt: skip
        plan = []  # (external_id, account, contact, owner, kind, starts_at, done)
        for account in accounts:
            # planned whether or not the account has an owner now, so the random sequence (and
            # each id's activity) does not depend on what users changed
            owner = owners.get(account.owner_id)
            people = contacts_of.get(account.pk) or [None]
            for n in range(rng.randint(3, 6)):
                kind = rng.choice(kinds)
                # mostly the last four months; tasks and meetings also the next three weeks
                if kind in (Activity.Kind.TASK, Activity.Kind.MEETING) and rng.random() < 0.4:
                    starts = now + timedelta(days=rng.randint(1, 21), hours=rng.randint(-4, 4))
                else:
                    starts = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8))
                done = starts < now and (kind != Activity.Kind.TASK or rng.random() < 0.7)
                plan.append((f"demo:activity:{account.pk}:{n}", account, rng.choice(people),
                             owner, kind, starts, done))  # fmt: skip
        rep = users.get(DEMO_REP)
        rep_accounts = [a for a in accounts if rep and a.owner_id == rep.pk] or accounts[:3]
        if rep:
            for n, (days, hours, kind) in enumerate([
                (-5, 0, Activity.Kind.TASK), (-2, 3, Activity.Kind.TASK),
                (-1, 1, Activity.Kind.TASK), (0, 2, Activity.Kind.TASK),
                (0, 4, Activity.Kind.MEETING), (0, 6, Activity.Kind.CALL),
                (2, 0, Activity.Kind.MEETING), (4, 0, Activity.Kind.TASK),
            ]):  # fmt: skip
                account = rep_accounts[n % len(rep_accounts)]
                day = timezone.localtime(now).replace(hour=9) + timedelta(days=days, hours=hours)
                people = contacts_of.get(account.pk) or [None]
                plan.append((f"demo:activity:{DEMO_REP}:{n}", account, people[n % len(people)],
                             rep, kind, day, False))  # fmt: skip
        for external_id, account, contact, owner, kind, starts, done in plan:
            if external_id in existing or owner is None:
                continue
            subject = rng.choice(ACTIVITY_SUBJECTS[kind])
            logged = kind in (Activity.Kind.CALL, Activity.Kind.MEETING)
            activity_save(
                data={
                    "external_id": external_id,
                    "kind": kind,
                    "subject": subject,
                    "body": f"{subject} with {contact or account}.",
                    "starts_at": starts,
                    "duration_minutes": rng.choice([15, 30, 45, 60]) if logged else None,
                    "outcome": rng.choice(OUTCOMES) if done and logged else "",
                    "done": done,
                    "done_at": starts + timedelta(minutes=30) if done else None,
                    "assigned_to": owner,
                    "account": account,
                    "contact": contact,
                },
                by=owner,
            )

    def load_leads(self, users):
        """Leads of every demo sales team: four per rep of the Maven file plus five in the
        team's queue, ``demo:lead:<team id>.<n>`` (also in their e-mail address)."""
        fake = Faker()
        fake.seed_instance(7)
        rng = random.Random(7)
        sources = ["Web form", "Trade show", "Referral", "Cold call", "Partner", "Webinar"]
        statuses = [Lead.Status.NEW, Lead.Status.NEW, Lead.Status.WORKING, Lead.Status.QUALIFIED,
                    Lead.Status.DISQUALIFIED]  # fmt: skip
        reps_of = defaultdict(list)  # the file's reps, not the team's members today
        for row in read_csv(MAVEN / "sales_teams.csv"):
            team_name = f"{row['regional_office']} – {row['manager']}"
            reps_of[team_name].append(users[username_for(row["sales_agent"])])
        planned = []  # (external id, fields)
        for team in Team.objects.filter(name__in=reps_of, kind=Team.Kind.SALES).order_by("name"):
            reps = reps_of[team.name]
            for i in range(len(reps) * 4 + 5):
                owner = reps[i % len(reps)] if i < len(reps) * 4 else None  # 5 in the team queue
                first, last = fake.first_name(), fake.last_name()
                fields = {
                    "email": f"{first}.{last}.{team.pk}.{i}@lead.example".lower(),
                    "first_name": first,
                    "last_name": last,
                    "company": fake.company(),
                    "phone": fake.phone_number(),
                    "source": rng.choice(sources),
                    "status": rng.choice(statuses) if owner else Lead.Status.NEW,
                    "owner": owner,
                    "team": team,
                }
                planned.append((f"{LEAD_KEY}{team.pk}.{i}", fields))
        found = set(
            Lead.objects.filter(external_id__in=[key for key, _ in planned]).values_list(
                "external_id", flat=True
            )
        )
        # A database loaded before: the sales demo marked these leads ``demo:lead:<lead id>``.
        earlier = {
            email: pk
            for pk, email in Lead.objects.filter(
                external_id__regex=rf"^{LEAD_KEY}[0-9]+$"
            ).values_list("pk", "email")
        }
        for key, fields in planned:
            if key in found:
                continue
            if fields["email"] in earlier:
                Lead.objects.filter(pk=earlier[fields["email"]]).update(external_id=key)
                continue
            Lead.objects.create(external_id=key, **fields)

    def load_tickets(self, accounts):
        rng = random.Random(11)
        subjects = ["Cannot log in to the portal", "Invoice shows the wrong amount",
                    "Device does not power on", "Request for a second licence",
                    "Delivery arrived damaged", "How do I export my data?",
                    "Refund for duplicate payment", "Firmware update failed"]  # fmt: skip
        queues = list(
            Team.objects.filter(name__in=SUPPORT_QUEUES, kind=Team.Kind.SUPPORT)
            .order_by("name")
            .prefetch_related("members")
        )
        found = set(
            Ticket.objects.filter(external_id__startswith=TICKET_KEY).values_list(
                "external_id", flat=True
            )
        )
        for i in range(40):
            account = accounts[i % len(accounts)]
            queue = queues[i % len(queues)]
            members = list(queue.members.all())
            key, subject = f"{TICKET_KEY}{i}", f"{subjects[i % len(subjects)]} ({account.name})"
            fields = {
                "description": "Reported by the customer.",
                "status": rng.choice(["new", "open", "open", "pending", "solved"]),
                "priority": rng.choice(["low", "normal", "normal", "high", "urgent"]),
                "channel": rng.choice(["email", "phone", "web", "chat"]),
                "queue": queue,
                "assignee": members[0] if members and i % 3 else None,
            }
            if key in found:
                continue
            if account.pk in self.adopted:  # loaded before tickets had external ids
                earlier = (
                    Ticket.objects.filter(account=account, subject=subject, external_id="")
                    .order_by("pk")
                    .first()
                )
                if earlier is not None:
                    Ticket.objects.filter(pk=earlier.pk).update(external_id=key)
                    continue
            Ticket.objects.create(external_id=key, subject=subject, account=account, **fields)
