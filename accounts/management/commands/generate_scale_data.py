"""A large, realistic customer database for benchmarks, loaded with PostgreSQL COPY.

    manage.py load_demo
    manage.py generate_scale_data --accounts 200000 --contacts 1000000 --activities 2000000

Accounts are spread over the existing sales reps and their teams (run after ``load_demo``);
contacts get names, e-mails and phones built from fixed name lists with a seeded RNG (Faker
is far too slow for a million rows); activities of every kind cover three years back and a
month ahead, each with its 360° timeline entry. One account ("Mediterranea Telecom") gets
``--hot-activities`` activities: the account with the most activities, for the 360° page.

Rows carry ``external_id`` ``gen:<batch>:…``; a second run refuses unless ``--force`` (which
adds another batch). Nothing is dropped or rebuilt: rows are copied with every index in place,
then sequences are moved past the copied ids and the tables VACUUM (ANALYZE)d. One process, one
connection, one transaction.
"""

from __future__ import annotations

import random
import time
import unicodedata
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from psycopg.copy import QueuedLibpqWriter

from accounts.models import Account, Activity, Contact, TimelineEntry
from users.models import Role, TeamMembership

MARKER = "gen:"


def _words(text: str) -> list[str]:
    return text.split()


HOT_ACCOUNT_NAME = "Mediterranea Telecom S.p.A."

FIRST_NAMES = _words("""
Anna Marco Giulia Luca Sofia Matteo Chiara Alessandro Francesca Lorenzo Elena Davide Sara
Andrea Martina Simone Valentina Federico Laura Giovanni Paola Stefano Silvia Roberto Alice
Thomas Lukas Leon Jonas Felix Maximilian Paul Lena Hannah Mia Emma Lea Laura Julia Katharina
Anja Sabine Klaus Jürgen Stefan Michael Andreas Wolfgang Petra Monika Ursula Heike
James John Robert David William Richard Joseph Charles Daniel Matthew Emily Olivia Jessica
Sarah Emma Charlotte Amelia Grace Lucy Hannah Oliver Harry George Jack Noah Jacob Ethan
Pierre Jean Louis Lucas Hugo Camille Léa Chloé Manon Inès Julien Nicolas Antoine Mathilde
Carlos Javier Miguel Pablo Diego Alejandro Lucía María Carmen Isabel Elena Marta Ana Sergio
Jan Piotr Krzysztof Tomasz Agnieszka Katarzyna Magdalena Joanna Pieter Daan Sanne Femke
Lars Erik Nils Ingrid Astrid Sven Karin Mikael Johanna Priya Arjun Ravi Aisha Omar Fatima
Yusuf Mehmet Ayşe Zeynep Kenji Yuki Hiro Mei Wei Li Chen Ngozi Chinedu Amara Kwame Tariq
""")

LAST_NAMES = _words("""
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi
Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Serra Coppola DeSantis
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson
Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott
Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker
Dubois Durand Lefebvre Moreau Laurent Simon Michel Garcia Bernard Petit Roux Fournier Girard
Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure Andre Mercier Blanc
González Rodríguez Fernández López Martínez Sánchez Pérez Gómez Díaz Moreno Álvarez Romero
Navarro Torres Domínguez Vázquez Ramos Gil Serrano Molina Ortega Delgado Castro Ortiz Rubio
Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
DeJong Jansen DeVries VandenBerg VanDijk Bakker Janssen Visser Smit Meijer Mulder Bos
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Hansen
Nielsen Jensen Pedersen Kristensen Patel Sharma Singh Kumar Gupta Khan Ali Hassan Yılmaz
Kaya Demir Şahin Çelik Tanaka Suzuki Watanabe Yamamoto Wang Zhang Liu Okafor Mensah Nwosu
O'Brien O'Connor Murphy Kelly Walsh Byrne Ryan Doyle McCarthy Gallagher Kennedy Lynch
""")

# city, region, country, country phone code, language
PLACES = [
    ("Milano", "Lombardia", "Italy", "39", "it"), ("Roma", "Lazio", "Italy", "39", "it"),
    ("Torino", "Piemonte", "Italy", "39", "it"), ("Napoli", "Campania", "Italy", "39", "it"),
    ("Bologna", "Emilia-Romagna", "Italy", "39", "it"), ("Genova", "Liguria", "Italy", "39", "it"),
    ("Firenze", "Toscana", "Italy", "39", "it"), ("Venezia", "Veneto", "Italy", "39", "it"),
    ("Berlin", "Berlin", "Germany", "49", "de"), ("München", "Bayern", "Germany", "49", "de"),
    ("Hamburg", "Hamburg", "Germany", "49", "de"), ("Köln", "NRW", "Germany", "49", "de"),
    ("London", "England", "United Kingdom", "44", "en"),
    ("Manchester", "England", "United Kingdom", "44", "en"),
    ("Edinburgh", "Scotland", "United Kingdom", "44", "en"),
    ("Paris", "Île-de-France", "France", "33", "fr"), ("Lyon", "Rhône", "France", "33", "fr"),
    ("Marseille", "Provence", "France", "33", "fr"), ("Madrid", "Madrid", "Spain", "34", "es"),
    ("Barcelona", "Cataluña", "Spain", "34", "es"), ("Valencia", "Valencia", "Spain", "34", "es"),
    ("Amsterdam", "Noord-Holland", "Netherlands", "31", "nl"),
    ("Rotterdam", "Zuid-Holland", "Netherlands", "31", "nl"),
    ("Warszawa", "Mazowieckie", "Poland", "48", "pl"),
    ("Kraków", "Małopolskie", "Poland", "48", "pl"),
    ("Stockholm", "Stockholm", "Sweden", "46", "sv"), ("Wien", "Wien", "Austria", "43", "de"),
    ("Zürich", "Zürich", "Switzerland", "41", "de"), ("Dublin", "Leinster", "Ireland", "353", "en"),
    ("New York", "NY", "United States", "1", "en"), ("Chicago", "IL", "United States", "1", "en"),
    ("Austin", "TX", "United States", "1", "en"),
    ("San Francisco", "CA", "United States", "1", "en"),
    ("Boston", "MA", "United States", "1", "en"), ("Toronto", "ON", "Canada", "1", "en"),
]  # fmt: skip
STREETS = ["Via Roma", "Via Garibaldi", "Corso Italia", "Hauptstraße", "Bahnhofstraße",
           "High Street", "Station Road", "Rue de la Paix", "Avenue Victor Hugo", "Calle Mayor",
           "Gran Vía", "Kerkstraat", "ul. Długa", "Main Street", "Oak Avenue",
           "Market Street"]  # fmt: skip
INDUSTRIES = ["Technology", "Telecommunications", "Retail", "Manufacturing", "Finance",
              "Healthcare", "Logistics", "Energy", "Hospitality", "Construction", "Education",
              "Media", "Shipbuilding", "Agriculture", "Automotive", "Insurance"]  # fmt: skip
COMPANY_WORDS = ["Nord", "Sud", "Alpine", "Adriatic", "Baltic", "Atlas", "Vega", "Orion",
                 "Delta", "Nova", "Prime", "Blue", "Green", "Silver", "Iron", "Summit", "Harbor",
                 "Pioneer", "Vertex", "Apex", "Lumen", "Terra", "Aqua", "Metro",
                 "Civic"]  # fmt: skip
COMPANY_NOUNS = ["Systems", "Logistics", "Foods", "Textiles", "Energy", "Telecom", "Networks",
                 "Solutions", "Consulting", "Engineering", "Marine", "Motors", "Pharma",
                 "Retail", "Labs", "Media", "Builders", "Capital", "Holdings", "Works"]  # fmt: skip
LEGAL = ["S.p.A.", "S.r.l.", "GmbH", "AG", "Ltd", "plc", "SAS", "SA", "S.L.", "B.V.", "Sp. z o.o.",
         "AB", "Inc.", "LLC", "& Co.", ""]  # fmt: skip
SEGMENTS = ["Enterprise", "Mid-market", "SMB", "Public sector", "Consumer"]
SOURCES = ["Web", "Trade show", "Referral", "Partner", "Cold call", "Import", "Campaign"]
TITLES = ["CEO", "CFO", "CTO", "Head of IT", "Procurement Manager", "Operations Director",
          "Office Manager", "Sales Director", "Marketing Manager", "Buyer", "Engineer",
          "Project Manager", "Accountant", "HR Manager", "Customer", ""]  # fmt: skip
DEPARTMENTS = ["Management", "IT", "Procurement", "Operations", "Finance", "Sales", "Marketing",
               "HR", "Logistics", ""]  # fmt: skip
SALUTATIONS = ["", "", "Mr.", "Ms.", "Dr."]
CHANNELS = ["", "", "email", "phone", "sms"]
CONSUMER_DOMAINS = ["mail.example", "posta.example", "web.example", "inbox.example"]

KINDS = [("call", 30), ("email", 25), ("task", 20), ("meeting", 15), ("note", 10)]
SUBJECTS = {
    "call": ["Follow-up call", "Renewal call", "Discovery call", "Support escalation call",
             "Pricing discussion", "Contract questions", "Check-in call"],
    "email": ["Sent proposal", "Sent invoice copy", "Replied to enquiry", "Sent brochure",
              "Confirmed appointment", "Sent contract draft"],
    "task": ["Prepare quote", "Send contract", "Update billing details", "Schedule demo",
             "Check payment", "Renew subscription", "Review SLA"],
    "meeting": ["Quarterly review", "Product demo", "On-site visit", "Kick-off meeting",
                "Negotiation", "Workshop"],
    "note": ["Customer prefers e-mail", "Budget approved for next year", "New decision maker",
             "Complained about delivery times", "Interested in upgrade"],
}  # fmt: skip
OUTCOMES = {"call": ["Reached", "Left voicemail", "No answer", "Call back later"],
            "meeting": ["Positive", "Needs follow-up", "Postponed"]}  # fmt: skip
LABELS = dict(Activity.Kind.choices)


_ASCII = str.maketrans({"ł": "l", "ı": "i", "ß": "ss", "ø": "o", "đ": "d"})


def _slug(text: str) -> str:
    """'Magdalena Álvarez' -> 'magdalenaalvarez' (for e-mail addresses and domains)."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S+00")


class Command(BaseCommand):
    help = "Generate a large customer database fast (PostgreSQL COPY). Run after load_demo."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=200_000)
        parser.add_argument("--contacts", type=int, default=1_000_000)
        parser.add_argument("--activities", type=int, default=2_000_000)
        parser.add_argument(
            "--hot-activities",
            type=int,
            default=20_000,
            help="Activities of one account (the account with the most activities).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Add another batch anyway.")
        parser.add_argument(
            "--row-fk-checks",
            action="store_true",
            help="Let PostgreSQL check every foreign key row by row at COMMIT (slow), instead of "
            "one anti-join per key (needs a superuser, as the bench database has).",
        )

    def handle(self, *args, **opts):
        existing = Account.objects.filter(external_id__startswith=MARKER)
        if existing.exists() and not opts["force"]:
            self.stdout.write(
                "Scale data is already generated (accounts with external_id 'gen:…'); "
                "nothing to do. Use --force to add another batch."
            )
            return
        n_acc, n_con, n_act = opts["accounts"], opts["contacts"], opts["activities"]
        if n_acc < 1 or n_con < 1 or n_act < 0:
            raise CommandError("--accounts and --contacts must be at least 1.")
        self.rng = random.Random(opts["seed"])
        self.batch = 1
        while Account.objects.filter(external_id=f"{MARKER}{self.batch}:a1").exists():
            self.batch += 1
        self.now = time.time()
        self.load_people()
        started = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                bulk_checks = cur.fetchone()[0] and not opts["row_fk_checks"]
                if bulk_checks:
                    # No per-row foreign-key triggers (millions of index probes with row locks
                    # at COMMIT); the keys are checked set-wise below instead.
                    cur.execute("SET LOCAL session_replication_role = replica")
            self.copy_accounts(n_acc)
            self.copy_contacts(n_con)
            self.copy_activities(n_act, min(opts["hot_activities"], n_act))
            self.insert_timeline()
            self.reset_sequences()
            if bulk_checks:
                self.timed("foreign-key checks (set-wise)", self.check_keys_setwise)
            else:
                self.timed("foreign-key checks (per row)", self.check_constraints)
        self.timed("VACUUM (ANALYZE)", self.analyze)
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {MARKER}{self.batch}: {n_acc:,} accounts, {n_con:,} contacts, "
                f"{n_act:,} activities (+ timeline) in {time.perf_counter() - started:.1f} s."
            )
        )

    # -- helpers -------------------------------------------------------------------------------
    def timed(self, label, func, *args):
        start = time.perf_counter()
        result = func(*args)
        self.stdout.write(f"  {label:<34} {time.perf_counter() - start:7.1f} s")
        return result

    def raw(self):
        connection.ensure_connection()
        return connection.connection

    def copy(self, table: str, columns: list[str], rows) -> int:
        """COPY text-format lines (no tabs, backslashes or newlines in generated values)."""
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        count = 0
        with self.raw().cursor() as cur, cur.copy(sql, writer=QueuedLibpqWriter(cur)) as copy:
            buf = []
            for row in rows:
                buf.append("\t".join(row))
                if len(buf) == 20_000:
                    copy.write("\n".join(buf) + "\n")
                    count += len(buf)
                    buf = []
            if buf:
                copy.write("\n".join(buf) + "\n")
                count += len(buf)
        return count

    def next_id(self, model) -> int:
        with connection.cursor() as cur:
            table = model._meta.db_table
            cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
            return cur.fetchone()[0]

    def load_people(self):
        memberships = TeamMembership.objects.filter(
            team__kind="sales", user__role=Role.SALES_REP, user__is_active=True
        ).values_list("user_id", "team_id")
        self.reps = sorted(set(memberships))  # (user_id, team_id)
        if not self.reps:
            raise CommandError("No sales reps in sales teams: run `manage.py load_demo` first.")
        self.team_reps: dict[int, list[int]] = {}
        for user_id, team_id in self.reps:
            self.team_reps.setdefault(team_id, []).append(user_id)

    # -- accounts ------------------------------------------------------------------------------
    def copy_accounts(self, n: int):
        rng, batch = self.rng, self.batch
        first = self.next_id(Account)
        self.account_ids = range(first, first + n)
        self.account_owner = [0] * n
        self.account_team = [0] * n
        self.account_domain = [""] * n
        self.account_place = [0] * n
        self.account_household = [False] * n
        domains: dict[str, int] = {}
        three_years = 3 * 365 * 86400

        def rows():
            for i in range(n):
                user_id, team_id = rng.choice(self.reps)
                if i and rng.random() < 0.03:
                    user_id = None  # the team's unassigned accounts
                place = rng.randrange(len(PLACES))
                city, region, country, code, _ = PLACES[place]
                household = i > 0 and rng.random() < 0.2
                if i == 0:
                    name, industry = HOT_ACCOUNT_NAME, "Telecommunications"
                elif household:
                    name, industry = f"{rng.choice(LAST_NAMES)} household", ""
                else:
                    name = " ".join(
                        w
                        for w in (
                            rng.choice(COMPANY_WORDS if rng.random() < 0.6 else LAST_NAMES),
                            rng.choice(COMPANY_NOUNS),
                            rng.choice(LEGAL),
                        )
                        if w
                    )
                    industry = rng.choice(INDUSTRIES)
                slug = _slug(name.replace("household", "")) or "home"
                seen = domains.get(slug, 0)
                domains[slug] = seen + 1
                domain = f"{slug}{seen or ''}.example"
                self.account_owner[i] = user_id
                self.account_team[i] = team_id
                self.account_domain[i] = domain
                self.account_place[i] = place
                self.account_household[i] = household
                created = _ts(self.now - rng.random() * three_years)
                revenue = "\\N" if household else f"{rng.randrange(50, 500_000) * 1000}.00"
                employees = "\\N" if household else str(int(rng.paretovariate(1.2) * 5))
                phone = f"+{code} {rng.randrange(10, 99)} {rng.randrange(1_000_000, 9_999_999)}"
                street = f"{rng.choice(STREETS)} {rng.randrange(1, 200)}"
                postcode = str(rng.randrange(10000, 99999))
                yield (
                    str(first + i), created, created, name,
                    "household" if household else "company", industry,
                    "" if household else rng.choice(["strategic", "key", "standard", "small",
                                                      "small", "standard"]),
                    "Consumer" if household else rng.choice(SEGMENTS),
                    "" if household else f"https://www.{domain}",
                    phone, "", f"info@{domain}",
                    street, city, postcode, region, country,
                    street, city, postcode, region, country,
                    revenue, "EUR", employees, rng.choice(SOURCES), "",
                    f"{MARKER}{batch}:a{i + 1}",
                    str(user_id) if user_id else "\\N", str(team_id),
                )  # fmt: skip

        columns = ["id", "created_at", "updated_at", "name", "kind", "industry", "tier",
                   "segment", "website", "phone", "phone_alt", "email",
                   "billing_street", "billing_city", "billing_postcode", "billing_region",
                   "billing_country", "shipping_street", "shipping_city", "shipping_postcode",
                   "shipping_region", "shipping_country", "annual_revenue", "currency",
                   "employees", "source", "description", "external_id", "owner_id",
                   "team_id"]  # fmt: skip
        self.timed(f"accounts ({n:,})", self.copy, Account._meta.db_table, columns, rows())

    # -- contacts ------------------------------------------------------------------------------
    def copy_contacts(self, n: int):
        rng, batch = self.rng, self.batch
        n_acc = len(self.account_ids)
        first = self.next_id(Contact)
        self.contact_ids = range(first, first + n)
        # Which account each contact belongs to (-1: a private person with no account); the hot
        # account has a few hundred people, the others 1-10 or so.
        hot_size = min(300, max(1, n // 100))
        owners = [-1] * n
        for i in range(n):
            if i < hot_size:
                owners[i] = 0
            elif rng.random() >= 0.03:
                owners[i] = rng.randrange(n_acc)
        # Group by account (e-mail addresses are unique within their domain), private people last.
        owners.sort(key=lambda acc: acc if acc >= 0 else n_acc)
        self.contact_account = owners
        self.hot_contacts = range(0, owners.count(0))
        self.contact_owner = [0] * n
        self.contact_team = [0] * n
        names_seen: dict[str, int] = {}
        year = 365 * 86400

        def rows():
            current, used = None, set()
            for i, acc in enumerate(owners):
                fn, ln = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                if acc >= 0:
                    if acc != current:
                        current, used = acc, set()
                    domain = self.account_domain[acc]
                    local = f"{_slug(fn)}.{_slug(ln)}"
                    k = 1
                    while local in used:
                        k += 1
                        local = f"{_slug(fn)}.{_slug(ln)}{k}"
                    used.add(local)
                    email = f"{local}@{domain}"
                    owner, team = self.account_owner[acc], self.account_team[acc]
                    if owner and rng.random() < 0.1:
                        owner = rng.choice(self.team_reps[team])
                    place = self.account_place[acc]
                    account_id = str(self.account_ids[acc])
                else:
                    base = f"{_slug(fn)}.{_slug(ln)}"
                    k = names_seen.get(base, 0) + 1
                    names_seen[base] = k
                    email = f"{base}{k if k > 1 else ''}@{rng.choice(CONSUMER_DOMAINS)}"
                    owner, team = rng.choice(self.reps)
                    place = rng.randrange(len(PLACES))
                    account_id = "\\N"
                if rng.random() < 0.04:
                    email = ""  # some people only give a phone number
                self.contact_owner[i], self.contact_team[i] = owner, team
                city, region, country, code, lang = PLACES[place]
                created = _ts(self.now - rng.random() * 3 * year)
                birthday = (
                    f"{rng.randrange(1945, 2005)}-{rng.randrange(1, 13):02}"
                    f"-{rng.randrange(1, 29):02}"
                    if rng.random() < 0.3
                    else "\\N"
                )
                yield (
                    str(first + i), created, created, rng.choice(SALUTATIONS), fn, ln,
                    rng.choice(TITLES), rng.choice(DEPARTMENTS), email,
                    f"+{code} {rng.randrange(10, 99)} {rng.randrange(1_000_000, 9_999_999)}",
                    f"+{code} 3{rng.randrange(10, 99)} {rng.randrange(1_000_000, 9_999_999)}"
                    if rng.random() < 0.6 else "",
                    f"{rng.choice(STREETS)} {rng.randrange(1, 200)}", city,
                    str(rng.randrange(10000, 99999)), region, country, birthday,
                    rng.choice(CHANNELS), lang, rng.choice(SOURCES), "",
                    f"{MARKER}{batch}:c{i + 1}", account_id,
                    str(owner) if owner else "\\N", str(team),
                )  # fmt: skip

        columns = ["id", "created_at", "updated_at", "salutation", "first_name", "last_name",
                   "title", "department", "email", "phone", "mobile", "mailing_street",
                   "mailing_city", "mailing_postcode", "mailing_region", "mailing_country",
                   "birthday", "preferred_channel", "language", "source", "description",
                   "external_id", "account_id", "owner_id", "team_id"]  # fmt: skip
        self.timed(f"contacts ({n:,})", self.copy, Contact._meta.db_table, columns, rows())

    # -- activities ----------------------------------------------------------------------------
    def copy_activities(self, n: int, hot: int):
        rng, batch, now = self.rng, self.batch, self.now
        first = self.next_id(Activity)
        self.activity_ids = range(first, first + n)
        n_con = len(self.contact_ids)
        kinds = [k for k, w in KINDS for _ in range(w)]
        span_back, span_ahead = 3 * 365 * 86400, 30 * 86400
        hot_contacts = self.hot_contacts

        def rows():
            for i in range(n):
                hot_one = i < hot and hot_contacts
                c = rng.choice(hot_contacts) if hot_one else rng.randrange(n_con)
                acc = self.contact_account[c]
                owner, team = self.contact_owner[c], self.contact_team[c]
                if not owner or rng.random() < 0.15:
                    owner = rng.choice(self.team_reps[team])
                kind = rng.choice(kinds)
                starts = now - span_back + rng.random() * (span_back + span_ahead)
                starts -= starts % 300  # on the five minutes
                duration = outcome = ""
                if kind in ("call", "meeting"):
                    duration = str(rng.choice([5, 10, 15, 30, 45, 60, 90]))
                if kind in OUTCOMES and starts < now:
                    outcome = rng.choice(OUTCOMES[kind])
                done = starts < now and (kind != "task" or rng.random() < 0.93)
                created = _ts(min(starts, now) - rng.random() * 7 * 86400)
                starts_ts = _ts(starts)
                subject = rng.choice(SUBJECTS[kind])
                yield (
                    str(first + i), created, created, kind, subject,
                    f"{subject} with {'the customer' if acc < 0 else 'the account'}.",
                    starts_ts, duration or "\\N", outcome, "t" if done else "f",
                    _ts(starts + 1800) if done else "\\N",
                    f"{MARKER}{batch}:v{i + 1}",
                    str(self.account_ids[acc]) if acc >= 0 else "\\N",
                    str(self.contact_ids[c]), str(owner), str(team),
                )  # fmt: skip

        columns = ["id", "created_at", "updated_at", "kind", "subject", "body", "starts_at",
                   "duration_minutes", "outcome", "done", "done_at", "external_id",
                   "account_id", "contact_id", "assigned_to_id", "team_id"]  # fmt: skip
        self.timed(f"activities ({n:,})", self.copy, Activity._meta.db_table, columns, rows())

    def insert_timeline(self):
        """One timeline entry per copied activity, the same as ``activity_save`` writes,
        built inside PostgreSQL from the rows just copied."""
        if not len(self.activity_ids):
            return
        try:
            url = reverse("accounts:activity_detail", args=[987654321]).split("987654321")
        except (NoReverseMatch, ImportError):  # no activity page (yet): entries without a link
            url = None
        url_sql = "(%s || a.id || %s)" if url else "''"
        labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in LABELS.items())
        # Table names and kind labels come from the models, not from input.
        sql = f"""
            INSERT INTO {TimelineEntry._meta.db_table}
                (occurred_at, kind, title, summary, url, account_id, contact_id, actor_id,
                 subject_type_id, subject_id, access_kind)
            SELECT coalesce(a.starts_at, a.created_at), a.kind,
                   left((CASE a.kind {labels} ELSE a.kind END) || ': ' || a.subject, 255),
                   left(a.body, 500), {url_sql}, a.account_id, a.contact_id, a.assigned_to_id,
                   %s, a.id, 'customer'
            FROM {Activity._meta.db_table} a
            WHERE a.id BETWEEN %s AND %s
            ORDER BY a.id
        """  # noqa: S608
        params = [*(url or []), ContentType.objects.get_for_model(Activity).pk,
                  self.activity_ids[0], self.activity_ids[-1]]  # fmt: skip

        def run():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.rowcount

        self.timed(f"timeline entries ({len(self.activity_ids):,})", run)

    def reset_sequences(self):
        with connection.cursor() as cur:
            for model in (Account, Contact, Activity, TimelineEntry):
                table = model._meta.db_table
                seq = f"pg_get_serial_sequence('{table}', 'id')"
                cur.execute(f"SELECT setval({seq}, (SELECT max(id) FROM {table}))")  # noqa: S608

    def check_keys_setwise(self):
        """Every foreign key of the copied rows, one anti-join per key: any dangling reference
        raises, and the whole load is rolled back."""
        ranges = {Account: self.account_ids, Contact: self.contact_ids,
                  Activity: self.activity_ids}  # fmt: skip
        with connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = origin")
            for model in (Account, Contact, Activity, TimelineEntry):
                table = model._meta.db_table
                if model is TimelineEntry:
                    where = "t.subject_id BETWEEN %s AND %s"
                    ids = self.activity_ids
                else:
                    where = "t.id BETWEEN %s AND %s"
                    ids = ranges[model]
                if not len(ids):
                    continue
                for field in model._meta.concrete_fields:
                    if not field.is_relation or not field.db_constraint:
                        continue
                    target = field.related_model._meta.db_table
                    col = field.column
                    cur.execute(
                        f"SELECT count(*) FROM {table} t LEFT JOIN {target} r ON r.id = t.{col} "  # noqa: S608
                        f"WHERE {where} AND t.{col} IS NOT NULL AND r.id IS NULL",
                        [ids[0], ids[-1]],
                    )
                    missing = cur.fetchone()[0]
                    if missing:
                        raise CommandError(f"{missing} rows of {table}.{col} point nowhere.")

    def check_constraints(self):
        """The foreign keys are DEFERRABLE INITIALLY DEFERRED: PostgreSQL checks the copied rows
        at COMMIT. Run the checks here, so their time is shown and not hidden in the commit."""
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def analyze(self):
        """Statistics for the planner, and the visibility map that lets index-only scans skip
        the heap (deep list pages read ids from the ordering index)."""
        # VACUUM cannot run inside a transaction (a caller's atomic block, e.g. a test).
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cur:
            for model in (Account, Contact, Activity, TimelineEntry):
                cur.execute(f"{verb} {model._meta.db_table}")
