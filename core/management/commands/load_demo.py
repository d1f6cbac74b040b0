"""Demo data for `make run`: the Maven CRM sales teams and accounts, plus generated contacts,
activities, leads and tickets. Idempotent: every row is matched on a natural key, so re-running
adds nothing. Source data: ../shared/data/maven_crm_sales (Maven Analytics, public domain)."""

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
from sales.models import Lead
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


def username_for(full_name: str) -> str:
    return ".".join(full_name.lower().split())


def read_csv(path: Path):
    with path.open(newline="", encoding="utf-8-sig") as fh:
        yield from csv.DictReader(fh)


class Command(BaseCommand):
    help = "Load demo users, teams, accounts, contacts, leads and tickets (idempotent)."

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
        accounts = []
        for row in read_csv(MAVEN / "accounts.csv"):
            top = deals_by_account[row["account"]].most_common(1)
            owner = users.get(top[0][0]) if top else None
            account, _ = Account.objects.get_or_create(
                name=row["account"],
                defaults={
                    "industry": INDUSTRY_SPELLING.get(row["sector"], row["sector"]).title(),
                    "billing_country": row["office_location"],
                    "annual_revenue": Decimal(row["revenue"]) * 1_000_000,
                    "currency": "USD",
                    "employees": int(row["employees"]),
                    "owner": owner,
                    "team_id": team_of.get(owner.pk) if owner else None,
                    "description": f"Established {row['year_established']}.",
                },
            )
            accounts.append(account)
        return accounts

    def load_contacts(self, accounts):
        fake = Faker()
        fake.seed_instance(2026)
        rng = random.Random(2026)
        titles = ["CEO", "CFO", "Head of IT", "Procurement Manager", "Operations Director",
                  "Office Manager", "CTO"]  # fmt: skip
        for account in accounts:
            domain = "".join(ch for ch in account.name.lower() if ch.isalnum()) + ".example"
            for _ in range(rng.randint(2, 4)):
                first, last = fake.first_name(), fake.last_name()
                email = f"{first}.{last}@{domain}".lower()
                # Matched on (account, e-mail): the account's index finds it among a million
                # generated contacts (`make bench`); a plain e-mail lookup has no index.
                Contact.objects.get_or_create(
                    account=account,
                    email=email,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "title": rng.choice(titles),
                        "phone": fake.phone_number(),
                        "owner_id": account.owner_id,
                        "team_id": account.team_id,
                    },
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
        contacts_of = defaultdict(list)
        for contact in Contact.objects.filter(account__in=accounts).order_by("pk"):
            contacts_of[contact.account_id].append(contact)
        owners = {u.pk: u for u in User.objects.filter(pk__in={a.owner_id for a in accounts})}
        kinds = [Activity.Kind.CALL] * 3 + [Activity.Kind.EMAIL] * 2 + [
            Activity.Kind.MEETING, Activity.Kind.TASK, Activity.Kind.TASK, Activity.Kind.NOTE,
        ]  # fmt: skip
        plan = []  # (external_id, account, contact, owner, kind, starts_at, done)
        for account in accounts:
            owner = owners.get(account.owner_id)
            if owner is None:
                continue
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
            if external_id in existing:
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
        fake = Faker()
        fake.seed_instance(7)
        rng = random.Random(7)
        sources = ["Web form", "Trade show", "Referral", "Cold call", "Partner", "Webinar"]
        statuses = [Lead.Status.NEW, Lead.Status.NEW, Lead.Status.WORKING, Lead.Status.QUALIFIED,
                    Lead.Status.DISQUALIFIED]  # fmt: skip
        for team in Team.objects.filter(kind=Team.Kind.SALES).prefetch_related("members"):
            reps = [u for u in team.members.all() if u.role == Role.SALES_REP]
            for i in range(len(reps) * 4 + 5):
                owner = reps[i % len(reps)] if i < len(reps) * 4 else None  # 5 in the team queue
                first, last = fake.first_name(), fake.last_name()
                Lead.objects.get_or_create(
                    email=f"{first}.{last}.{team.pk}.{i}@lead.example".lower(),
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "company": fake.company(),
                        "phone": fake.phone_number(),
                        "source": rng.choice(sources),
                        "status": rng.choice(statuses) if owner else Lead.Status.NEW,
                        "owner": owner,
                        "team": team,
                    },
                )

    def load_tickets(self, accounts):
        rng = random.Random(11)
        subjects = ["Cannot log in to the portal", "Invoice shows the wrong amount",
                    "Device does not power on", "Request for a second licence",
                    "Delivery arrived damaged", "How do I export my data?",
                    "Refund for duplicate payment", "Firmware update failed"]  # fmt: skip
        queues = list(Team.objects.filter(kind=Team.Kind.SUPPORT).prefetch_related("members"))
        for i in range(40):
            account = accounts[i % len(accounts)]
            queue = queues[i % len(queues)]
            members = list(queue.members.all())
            Ticket.objects.get_or_create(
                subject=f"{subjects[i % len(subjects)]} ({account.name})",
                account=account,
                defaults={
                    "description": "Reported by the customer.",
                    "status": rng.choice(["new", "open", "open", "pending", "solved"]),
                    "priority": rng.choice(["low", "normal", "normal", "high", "urgent"]),
                    "channel": rng.choice(["email", "phone", "web", "chat"]),
                    "queue": queue,
                    "assignee": members[0] if members and i % 3 else None,
                },
            )
