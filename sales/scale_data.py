"""Sales data at scale for the benchmarks of issue 4, for ``manage.py
generate_sales_scale_data`` (the command parses the options; this does the work).

- People: ten sales teams "Bench team 01…10" managed by ``bench.manager``, eight reps each
  (``bench.rep.01…80``, two of them away) with lead capacities (team 09's are small: some
  of its leads wait in its queue).
- A pipeline "Bench pipeline" (the stages of the default "New business" pipeline) holding
  exactly ``board_open`` open deals plus twice as many closed ones; the rest of the
  opportunities are in the default pipeline, 70 % closed (won/lost over the last three years),
  30 % open (closing over the next twelve months, a few overdue). Amounts are log-normal,
  mostly USD plus EUR/GBP; owners and teams are the bench reps (2 % in a team's queue);
  accounts are the existing ones (those of ``generate_scale_data``), one of them busy.
  Status, probability and forecast category come from the stage; a stage history row for
  the creation and one for the move to the current stage (every closed deal has two).
- Quotas of every bench rep for eight quarters; ``leads`` unassigned "imported" leads and
  assignment rules sending them to the bench teams; bench products and a 200-line quote.

Opportunities and leads are loaded by COPY, the stage history by one INSERT … SELECT. Every
part is skipped when its rows exist (``bench:<n>`` / ``bench-lead:<n>`` external ids, fixed
names), so a second run adds nothing. One connection, one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from accounts.scale_vocabulary import (
    COMPANY_NOUNS,
    COMPANY_WORDS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL,
    PLACES,
    TITLES,
    ascii_slug,
)
from catalog.models import Currency, ExchangeRate
from sales.models import (
    ForecastRollup,
    Lead,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
)
from sales.pipeline.services import DEFAULT_PIPELINES, default_pipeline
from users.models import Role, Team, TeamMembership, User

from .scale_extras import ExtrasMixin
from .scale_names import (  # noqa: F401  (the bench and its tests import these names from here)
    CURRENCIES,
    DEAL_KINDS,
    HOT_SHARE,
    LEAD_MARKER,
    LEAD_SOURCES,
    LOST_REASONS,
    MANAGER,
    MARKER,
    NEXT_STEPS,
    PIPELINE_NAME,
    QUOTE_NUMBER,
    REP_NAME,
    REPS_PER_TEAM,
    TEAM_NAME,
    TEAMS,
    UNROUTED,
)


def _ts(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_defaults(model, columns: list[str]) -> dict[str, str]:
    """Values for the NOT NULL columns a COPY does not name (a field added after this was
    written): the field's default, or '' for text. Anything else is an error, not a guess."""
    extra = {}
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key or field.null:
            continue
        if field.has_default():
            value = field.get_default()
            if isinstance(field, models.JSONField):
                value = json.dumps(value)
            elif hasattr(field, "base_field") and isinstance(value, list | tuple):
                value = "{" + ",".join(str(v) for v in value) + "}"  # ArrayField
            extra[field.column] = _text(value)
        elif isinstance(field, models.CharField | models.TextField):
            extra[field.column] = ""
        elif field.db_default is models.NOT_PROVIDED:
            raise CommandError(
                f"{model._meta.label}.{field.name} is required and has no default: "
                "teach sales/scale_data.py to fill it."
            )
    return extra


class SalesScaleData(ExtrasMixin):
    """One generation; progress lines (with timings) go to ``stdout``."""

    def __init__(self, stdout, seed: int = 2026):
        self.stdout = stdout
        self.rng = random.Random(seed)
        self.now = time.time()
        self.today = timezone.localdate()

    def generate(self, *, opportunities: int, board_open: int, leads: int, quote_lines: int):
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.superuser = cur.fetchone()[0]
            self.timed("teams, reps, currencies, pipeline", self.setup)
            self.copied = {}  # model -> (first id, last id) of the rows copied by this run
            self.bulk_checks(True)
            if not Opportunity.objects.filter(external_id__startswith=MARKER).exists():
                self.copy_opportunities(opportunities, board_open)
                self.timed("stage history", self.insert_stage_history)
            if leads and not Lead.objects.filter(external_id__startswith=LEAD_MARKER).exists():
                self.copy_leads(leads)
            self.bulk_checks(False)
            if self.copied and self.superuser:  # the deals went in with triggers off
                self.timed("forecast rollup", ForecastRollup.rebuild)
            self.timed("quotas, rules, products, quote", self.extras, quote_lines)
            self.reset_sequences()
        if self.copied:
            self.timed("VACUUM (ANALYZE)", self.analyze)
        return self.copied

    # -- helpers -------------------------------------------------------------------------------
    def timed(self, label, func, *args):
        start = time.perf_counter()
        result = func(*args)
        self.stdout.write(f"  {label:<36} {time.perf_counter() - start:7.1f} s")
        return result

    def copy(self, model, columns: list[str], rows) -> int:
        """COPY text-format rows into ``model``'s table; NOT NULL columns not named get their
        defaults (see ``copy_defaults``)."""
        extra = copy_defaults(model, columns)
        tail = "\t".join(extra.values())
        columns = [*columns, *extra]
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        count = 0
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(sql, writer=QueuedLibpqWriter(cur)) as copy:
            buf = []
            for row in rows:
                buf.append("\t".join((*row, tail)) if tail else "\t".join(row))
                if len(buf) == 20_000:
                    copy.write("\n".join(buf) + "\n")
                    count, buf = count + len(buf), []
            if buf:
                copy.write("\n".join(buf) + "\n")
                count += len(buf)
        return count

    def next_id(self, model) -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
            return cur.fetchone()[0]

    def bulk_checks(self, on: bool):
        """A superuser loads without per-row foreign-key triggers (millions of index probes at
        COMMIT) and checks the copied rows' keys set-wise afterwards."""
        if not self.superuser:
            return
        with connection.cursor() as cur:
            cur.execute(f"SET LOCAL session_replication_role = {'replica' if on else 'origin'}")
        if not on:
            self.timed("foreign-key checks (set-wise)", self.check_keys)

    def check_keys(self):
        with connection.cursor() as cur:
            for model, (first, last) in self.copied.items():
                table = model._meta.db_table
                for field in model._meta.concrete_fields:
                    if not field.is_relation or not field.db_constraint:
                        continue
                    target = field.related_model._meta
                    cur.execute(
                        f"SELECT count(*) FROM {table} t LEFT JOIN {target.db_table} r "  # noqa: S608
                        f"ON r.{target.pk.column} = t.{field.column} WHERE t.id BETWEEN %s AND %s "
                        f"AND t.{field.column} IS NOT NULL AND r.{target.pk.column} IS NULL",
                        [first, last],
                    )
                    missing = cur.fetchone()[0]
                    if missing:
                        raise CommandError(
                            f"{missing} rows of {table}.{field.column} point nowhere."
                        )

    # -- people, currencies, pipelines ---------------------------------------------------------
    def setup(self):
        from core.management.commands.load_demo import DEMO_PASSWORD

        password = make_password(DEMO_PASSWORD)  # one hash for all (a bench database)

        def user(username, first, last, role, **extra):
            obj, _ = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "role": role,
                          "email": f"{username}@bench.example", "password": password, **extra},
            )  # fmt: skip
            return obj

        self.manager = user(MANAGER, "Bench", "Manager", Role.SALES_MANAGER, title="VP Sales")
        self.reps, self.rep_team = [], []
        self.teams = []
        for t in range(1, TEAMS + 1):
            team, _ = Team.objects.get_or_create(
                name=TEAM_NAME.format(t),
                defaults={"kind": Team.Kind.SALES, "region": f"Bench region {t:02}",
                          "manager": self.manager},
            )  # fmt: skip
            self.teams.append(team)
            for r in range(REPS_PER_TEAM):
                n = (t - 1) * REPS_PER_TEAM + r + 1
                first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
                rep = user(REP_NAME.format(n), first, last, Role.SALES_REP, is_away=n in (8, 45))
                capacity = 60 if t == 9 else [150, 200, 250, None][n % 4]
                TeamMembership.objects.get_or_create(
                    team=team, user=rep, defaults={"max_open_leads": capacity}
                )
                self.reps.append(rep.pk)
                self.rep_team.append(team.pk)
        base = settings.CRM_BASE_CURRENCY
        for code, (name, symbol, per_usd) in CURRENCIES.items():
            currency, _ = Currency.objects.get_or_create(
                code=code, defaults={"name": name, "symbol": symbol}
            )
            if code != base and base in CURRENCIES and not currency.rates.exists():
                ExchangeRate.objects.create(
                    currency=currency,
                    rate=(per_usd / CURRENCIES[base][2]).quantize(Decimal("0.00000001")),
                    valid_from=self.today - dt.timedelta(days=4 * 365),
                )
        self.default = default_pipeline()
        self.bench, created = Pipeline.objects.get_or_create(
            name=PIPELINE_NAME, defaults={"position": 90, "description": "Benchmark data"}
        )
        if created:
            Stage.objects.bulk_create(
                Stage(pipeline=self.bench, name=n, position=i, probability=prob, kind=kind,
                      forecast_category=cat)
                for i, (n, prob, kind, cat) in enumerate(DEFAULT_PIPELINES["New business"])
            )  # fmt: skip

    def stages(self, pipeline):
        stages = list(pipeline.stages.order_by("position", "id"))
        open_ = [s for s in stages if s.kind == Stage.Kind.OPEN]
        won = next((s for s in stages if s.kind == Stage.Kind.WON), None)
        lost = next((s for s in stages if s.kind == Stage.Kind.LOST), None)
        if not (open_ and won and lost):
            raise CommandError(f"Pipeline “{pipeline}” needs open, won and lost stages.")
        return open_, won, lost

    # -- opportunities -------------------------------------------------------------------------
    def copy_opportunities(self, n: int, board_open: int):
        rng, now, today = self.rng, self.now, self.today
        if n < board_open:
            raise CommandError("--opportunities must be at least --board-open.")
        bench_closed = min(2 * board_open, n - board_open)
        rest = n - board_open - bench_closed
        default_open = round(rest * 0.3)
        # 0/1: bench pipeline open/closed, 2/3: default pipeline open/closed, spread over ids.
        kinds = [0] * board_open + [1] * bench_closed + [2] * default_open
        kinds += [3] * (rest - default_open)
        rng.shuffle(kinds)
        pipes = [(self.bench, *self.stages(self.bench)), (self.default, *self.stages(self.default))]
        with connection.cursor() as cur:
            cur.execute("SELECT min(id) FROM accounts_account WHERE external_id LIKE 'gen:%%'")
            first_generated = cur.fetchone()[0]
            cur.execute(
                "SELECT id FROM accounts_account WHERE id >= %s ORDER BY id", [first_generated or 0]
            )
            accounts = [row[0] for row in cur.fetchall()]
        hot = accounts[0] if accounts else None
        currencies = ["USD"] * 16 + ["EUR"] * 3 + ["GBP"]
        first = self.next_id(Opportunity)
        day = 86400

        def rows():
            for i, kind in enumerate(kinds):
                pipeline, open_stages, won, lost = pipes[0 if kind < 2 else 1]
                r = rng.randrange(len(self.reps))
                owner, team = self.reps[r], self.rep_team[r]
                if rng.random() < 0.02:
                    owner = None  # the team's queue
                if not accounts:
                    account = None
                else:
                    account = hot if rng.random() < HOT_SHARE else rng.choice(accounts)
                amount = min(max(rng.lognormvariate(9.6, 1.1), 100.0), 5_000_000.0)
                overridden, close_reason, next_step = False, "", ""
                if kind in (0, 2):  # open
                    k = len(open_stages)
                    stage = rng.choices(open_stages, weights=range(k, 0, -1))[0]
                    probability = stage.probability
                    if rng.random() < 0.03:
                        probability = min(100, max(0, probability + rng.choice((-10, 10))))
                        overridden = probability != stage.probability
                    late = rng.random() < 0.05
                    close = today + dt.timedelta(days=rng.randint(-30, -1) if late
                                                 else rng.randint(0, 365))  # fmt: skip
                    created = now - rng.randint(1, 180) * day - rng.random() * day
                    changed = created
                    if stage != open_stages[0]:
                        changed = created + rng.random() * (now - created)
                    closed_at = None
                    activity = now - rng.random() * 45 * day if rng.random() < 0.85 else None
                    next_step = rng.choice(NEXT_STEPS)
                else:
                    stage = won if rng.random() < 0.45 else lost
                    probability = stage.probability
                    close = today - dt.timedelta(days=rng.randint(1, 3 * 365))
                    closed_at = (
                        dt.datetime.combine(close, dt.time(8), dt.UTC).timestamp()
                        + rng.random() * 10 * 3600
                    )
                    created = closed_at - min(rng.lognormvariate(3.6, 0.7), 365) * day
                    changed = closed_at
                    activity = closed_at - rng.random() * 10 * day
                    close_reason = (
                        rng.choice(["", "value", "relationship"])
                        if stage is won
                        else rng.choice(LOST_REASONS)
                    )
                yield (
                    str(first + i), _ts(created), _ts(changed),
                    str(owner) if owner else "\\N", str(team),
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NOUNS)} – "
                    f"{rng.choice(DEAL_KINDS)}",
                    str(account) if account else "\\N", str(pipeline.pk), str(stage.pk),
                    stage.kind, f"{amount:.2f}", rng.choice(currencies), str(probability),
                    "t" if overridden else "f", stage.forecast_category, close.isoformat(),
                    rng.choice(LEAD_SOURCES), next_step, close_reason,
                    _ts(closed_at) if closed_at else "\\N", _ts(changed),
                    _ts(activity) if activity else "\\N", f"{MARKER}{i + 1}", "1",
                )  # fmt: skip

        columns = ["id", "created_at", "updated_at", "owner_id", "team_id", "name", "account_id",
                   "pipeline_id", "stage_id", "status", "amount", "currency", "probability",
                   "probability_overridden", "forecast_category", "close_date", "source",
                   "next_step", "close_reason", "closed_at", "stage_changed_at",
                   "last_activity_at", "external_id", "version"]  # fmt: skip
        count = self.timed(f"opportunities ({n:,})", self.copy, Opportunity, columns, rows())
        self.copied[Opportunity] = (first, first + count - 1)

    def insert_stage_history(self):
        """Created into the pipeline's first open stage; then (unless still there) one move to
        the current stage at ``closed_at`` / ``stage_changed_at``. Set-based, in PostgreSQL."""
        first_id, last_id = self.copied[Opportunity]
        before = self.next_id(StageChange)
        opp, stage, change = (m._meta.db_table for m in (Opportunity, Stage, StageChange))
        first_open = f"""
            (SELECT DISTINCT ON (pipeline_id) pipeline_id, id, probability FROM {stage}
             WHERE kind = 'open' ORDER BY pipeline_id, position, id)"""  # noqa: S608
        insert = f"""INSERT INTO {change} (opportunity_id, from_stage_id, to_stage_id, changed_at,
                changed_by_id, amount, currency, probability)"""
        with connection.cursor() as cur:
            cur.execute(
                f"""{insert}
                SELECT o.id, NULL, f.id, o.created_at, o.owner_id, o.amount, o.currency,
                       f.probability
                FROM {opp} o JOIN {first_open} f ON f.pipeline_id = o.pipeline_id
                WHERE o.id BETWEEN %s AND %s ORDER BY o.id""",  # noqa: S608
                [first_id, last_id],
            )
            cur.execute(
                f"""{insert}
                SELECT o.id, f.id, o.stage_id, coalesce(o.closed_at, o.stage_changed_at),
                       o.owner_id, o.amount, o.currency, o.probability
                FROM {opp} o JOIN {first_open} f ON f.pipeline_id = o.pipeline_id
                WHERE o.id BETWEEN %s AND %s AND o.stage_id <> f.id ORDER BY o.id""",  # noqa: S608
                [first_id, last_id],
            )
        self.copied[StageChange] = (before, self.next_id(StageChange) - 1)

    # -- leads ---------------------------------------------------------------------------------
    def copy_leads(self, n: int):
        rng, now = self.rng, self.now
        first = self.next_id(Lead)
        places = [p[:3] for p in PLACES] + [("Lisboa", "Lisboa", "Portugal"),
                                            ("Bruxelles", "Bruxelles", "Belgium")]  # fmt: skip

        def rows():
            for i in range(n):
                fn, ln = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NOUNS)}"
                company = f"{company} {rng.choice(LEGAL)}".strip()
                city, region, country = rng.choice(UNROUTED if rng.random() < 0.05 else places)
                domain = f"{ascii_slug(company)}{i % 97}.example"
                employees = int(rng.paretovariate(1.1) * 8)
                created = now - rng.random() * 2 * 86400
                yield (
                    str(first + i), _ts(created), _ts(created), _text(fn), _text(ln),
                    _text(rng.choice(TITLES)), _text(company), rng.choice(INDUSTRIES),
                    str(employees), f"https://www.{domain}",
                    f"{ascii_slug(fn)}.{ascii_slug(ln)}@{domain}",
                    f"+{rng.randrange(1, 99)} {rng.randrange(10, 99)} "
                    f"{rng.randrange(1_000_000, 9_999_999)}",
                    _text(country), _text(region), _text(city), rng.choice(LEAD_SOURCES),
                    f"{LEAD_MARKER}{i + 1}", "new", "0", "[]",
                )  # fmt: skip

        columns = ["id", "created_at", "updated_at", "first_name", "last_name", "title",
                   "company", "industry", "employees", "website", "email", "phone", "country",
                   "region", "city", "source", "external_id", "status", "score",
                   "score_explanation"]  # fmt: skip
        count = self.timed(f"leads ({n:,}, unassigned)", self.copy, Lead, columns, rows())
        self.copied[Lead] = (first, first + count - 1)

    # -- after the load --------------------------------------------------------------------------
    def reset_sequences(self):
        with connection.cursor() as cur:
            for model in self.copied:
                table = model._meta.db_table
                seq = f"pg_get_serial_sequence('{table}', 'id')"
                cur.execute(f"SELECT setval({seq}, (SELECT max(id) FROM {table}))")  # noqa: S608

    def analyze(self):
        """Planner statistics and the visibility map (index-only scans) for the loaded tables."""
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cur:
            for model in self.copied:
                cur.execute(f"{verb} {model._meta.db_table}")
