"""Demo data for `make run`: the Maven CRM sales teams and accounts, plus generated contacts,
leads and tickets. Idempotent: every row is matched on a natural key, so re-running adds
nothing. Source data: ../shared/data/maven_crm_sales (Maven Analytics, public domain)."""

import csv
import random
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from faker import Faker

from accounts.models import Account, Contact
from sales.models import Lead
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
            self.load_leads(users)
            self.load_tickets(accounts)
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
            user.set_password(DEMO_PASSWORD)
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
                Contact.objects.get_or_create(
                    email=email,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "title": rng.choice(titles),
                        "account": account,
                        "phone": fake.phone_number(),
                        "owner_id": account.owner_id,
                        "team_id": account.team_id,
                    },
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
