"""Loading a large, realistic customer database with PostgreSQL COPY, for
``manage.py generate_scale_data`` (the command parses the options; this does the work).

Accounts are spread over the existing sales reps and their teams; contacts get names, e-mails
and phones built from the word lists of ``accounts.scale_vocabulary`` with a seeded RNG;
activities of every kind cover three years back and a month ahead, each with its 360°
timeline entry. One account (``HOT_ACCOUNT_NAME``) gets the ``hot`` activities: the account
with the most activities, for the 360° page.

Rows carry ``external_id`` ``gen:<batch>:…``. Nothing is dropped or rebuilt: rows are copied
with every index in place, then sequences are moved past the copied ids and the tables
VACUUM (ANALYZE)d. One process, one connection, one transaction.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from psycopg.copy import QueuedLibpqWriter

from accounts.models import Account, Activity, Contact, TimelineEntry
from accounts.scale_vocabulary import (
    CHANNELS,
    COMPANY_NOUNS,
    COMPANY_WORDS,
    CONSUMER_DOMAINS,
    DEPARTMENTS,
    FIRST_NAMES,
    HOT_ACCOUNT_NAME,
    INDUSTRIES,
    KINDS,
    LAST_NAMES,
    LEGAL,
    OUTCOMES,
    PLACES,
    SALUTATIONS,
    SEGMENTS,
    SOURCES,
    STREETS,
    SUBJECTS,
    TITLES,
    ascii_slug,
)
from users.models import Role, TeamMembership

MARKER = "gen:"
LABELS = dict(Activity.Kind.choices)


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S+00")


class ScaleDataGenerator:
    """One batch of generated rows; progress lines (with timings) go to ``stdout``."""

    def __init__(self, stdout, seed: int):
        self.stdout = stdout
        self.rng = random.Random(seed)
        self.batch = 1
        while Account.objects.filter(external_id=f"{MARKER}{self.batch}:a1").exists():
            self.batch += 1
        self.now = time.time()
        self.load_people()

    def generate(self, n_acc: int, n_con: int, n_act: int, hot: int, row_fk_checks: bool):
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                bulk_checks = cur.fetchone()[0] and not row_fk_checks
                if bulk_checks:
                    # No per-row foreign-key triggers (millions of index probes with row locks
                    # at COMMIT); the keys are checked set-wise below instead.
                    cur.execute("SET LOCAL session_replication_role = replica")
            self.copy_accounts(n_acc)
            self.copy_contacts(n_con)
            self.copy_activities(n_act, hot)
            self.insert_timeline()
            self.reset_sequences()
            if bulk_checks:
                self.timed("foreign-key checks (set-wise)", self.check_keys_setwise)
            else:
                self.timed("foreign-key checks (per row)", self.check_constraints)
        self.timed("VACUUM (ANALYZE)", self.analyze)

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
                slug = ascii_slug(name.replace("household", "")) or "home"
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
                    local = f"{ascii_slug(fn)}.{ascii_slug(ln)}"
                    k = 1
                    while local in used:
                        k += 1
                        local = f"{ascii_slug(fn)}.{ascii_slug(ln)}{k}"
                    used.add(local)
                    email = f"{local}@{domain}"
                    owner, team = self.account_owner[acc], self.account_team[acc]
                    if owner and rng.random() < 0.1:
                        owner = rng.choice(self.team_reps[team])
                    place = self.account_place[acc]
                    account_id = str(self.account_ids[acc])
                else:
                    base = f"{ascii_slug(fn)}.{ascii_slug(ln)}"
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
