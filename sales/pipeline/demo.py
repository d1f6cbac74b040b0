"""Demo data for `make run` (called by core's load_demo, idempotent): the 8,800 deals of
Maven Analytics' CRM Sales Opportunities (``sales_pipeline.csv``, public domain) as
opportunities of the default pipeline, with their stage history, timeline entries, products,
owners (the agents) and teams.

* Stages: Prospecting → Prospecting; Engaging → Qualification, Proposal or Negotiation while
  open (spread by a hash of the id, so the board and the forecast's commit are not empty),
  Proposal in the history of closed deals; Won → Won, Lost → Lost.
* Dates are shifted by whole weeks so that the latest close date of the file (2017) falls in
  the current week; open deals (the file has no close date for them) expect to close in the
  coming months, a few are overdue.
* Amount: the close value of won deals, the product's list price otherwise (the file records
  0 for lost deals). The file has no loss reasons: lost deals get a generated one, said so in
  their note. 1,425 deals have no account: they keep none.
* Some open deals have a logged call or e-mail (``Activity.related``) in the last weeks, the
  rest go stale: the board shows both.

Everything is written in bulk (PostgreSQL COPY, a few seconds); ``external_id =
"maven:<id>"`` makes a second run add nothing.
"""

from __future__ import annotations

import csv
import datetime
import functools
import re
import zlib
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, TimelineEntry
from core.bulk import copy_rows
from users.models import Team, TeamMembership

from ..models import Opportunity, Stage, StageChange
from . import timeline
from .services import default_pipeline, first_open_stage

BATCH = 2000
LOST_REASONS = ["price", "competitor", "no_decision", "timing", "product", "value", "other"]
GENERATED_REASON = "Reason generated for the demo: the Maven data set records none."


def maven_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "maven_crm_sales"


def _read(name: str) -> list[dict]:
    with (maven_dir() / name).open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _norm(name: str) -> str:
    """ "GTXPro" and "GTX Pro" are the same product."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _hash(text: str, modulo: int) -> int:
    """A stable pseudo-random number per deal (the same on every run and machine)."""
    return zlib.crc32(text.encode()) % modulo


def _username(full_name: str) -> str:
    from core.management.commands.load_demo import username_for

    return username_for(full_name)


def _products() -> dict:
    """Normalised name → catalog Product; the Maven products the catalog lacks are created
    (SKU from the name, list price from ``products.csv``, in the base currency)."""
    from catalog import money
    from catalog.models import Currency, Product

    found = {_norm(p.name): p for p in Product.objects.all()}
    for row in _read("products.csv"):
        key = _norm(row["product"])
        if key in found:
            continue
        base = money.base_currency()
        currency, _ = Currency.objects.get_or_create(code=base, defaults={"name": base})
        sku = "MAVEN-" + re.sub(r"[^A-Z0-9]+", "-", row["product"].upper()).strip("-")
        found[key], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": row["product"],
                "family": row["series"],
                "unit_price": Decimal(row["sales_price"]),
                "currency": currency,
            },
        )
    return found


def _shift(rows) -> datetime.timedelta:
    """Whole weeks (weekdays stay) from the file's last close date to this week."""
    last = max(datetime.date.fromisoformat(r["close_date"]) for r in rows if r["close_date"])
    return datetime.timedelta(days=(timezone.localdate() - last).days // 7 * 7)


@functools.cache
def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _Plan:
    """One deal of the file: the opportunity and what goes with it."""

    def __init__(self, row, *, shift, stages, products, owners, teams, accounts):
        today = timezone.localdate()
        key = row["opportunity_id"]
        self.key = key
        kind = row["deal_stage"]
        self.product = products.get(_norm(row["product"]))
        account = accounts.get(row["account"]) if row["account"] else None
        owner = owners.get(_username(row["sales_agent"]))
        engage = (
            datetime.date.fromisoformat(row["engage_date"]) + shift if row["engage_date"] else None
        )
        created = (
            engage - datetime.timedelta(days=3 + _hash(key + "c", 14))
            if engage
            else today - datetime.timedelta(days=1 + _hash(key + "c", 45))
        )
        stage = stages[kind]
        if kind == "Engaging":  # still open: somewhere in the middle of the pipeline
            middle = stages["Engaging, open"]
            stage = middle[_hash(key + "s", len(middle))]
        # (from stage, to stage, day) — the history, oldest first
        moves = [(None, stages["Prospecting"], created)]
        if kind != "Prospecting":
            engaged = stage if kind == "Engaging" else stages["Engaging"]
            moves.append((stages["Prospecting"], engaged, engage))
        if kind in ("Won", "Lost"):
            close = datetime.date.fromisoformat(row["close_date"]) + shift
            moves.append((stages["Engaging"], stage, close))
        elif _hash(key + "o", 100) < 6:  # a few open deals are overdue
            close = today - datetime.timedelta(days=1 + _hash(key + "d", 20))
        else:
            close = today + datetime.timedelta(days=14 + _hash(key + "d", 140))
        list_price = self.product.unit_price if self.product else Decimal(0)
        amount = Decimal(row["close_value"]) if kind == "Won" else list_price
        product_name = self.product.name if self.product else row["product"]
        self.moves = moves
        self.activity_day = None
        if kind in ("Prospecting", "Engaging") and _hash(key + "a", 100) < 70:
            self.activity_day = today - datetime.timedelta(days=_hash(key + "w", 50))
        lost = kind == "Lost"
        self.opp = Opportunity(
            name=f"{account.name} – {product_name}" if account else f"{product_name} ({key})",
            account=account,
            pipeline_id=stage.pipeline_id,
            stage=stage,
            status=stage.kind,
            amount=amount,
            currency=self.product.currency_id if self.product else "USD",
            probability=stage.probability,
            forecast_category=stage.forecast_category,
            close_date=close,
            source="Maven CRM data",
            close_reason=LOST_REASONS[_hash(key + "r", len(LOST_REASONS))] if lost else "",
            close_note=GENERATED_REASON if lost else "",
            closed_at=_at(close, 17) if stage.is_closed else None,
            stage_changed_at=_at(moves[-1][2]),
            last_activity_at=_at(self.activity_day, 11) if self.activity_day else None,
            external_id=f"maven:{key}",
            owner=owner,
            team_id=teams.get(owner.pk) if owner else None,
        )


def load(*, users, accounts, stdout):
    rows = _read("sales_pipeline.csv")
    done = set(
        Opportunity.objects.filter(external_id__startswith="maven:").values_list(
            "external_id", flat=True
        )
    )
    rows = [r for r in rows if f"maven:{r['opportunity_id']}" not in done]
    if not rows:
        return
    pipeline = default_pipeline()
    by_kind = {s.kind: s for s in pipeline.stages.order_by("-position")}  # first of each kind
    opened = list(pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position"))
    proposal = next((s for s in opened if s.name == "Proposal"), opened[len(opened) // 2])
    stages = {
        "Prospecting": first_open_stage(pipeline),
        "Engaging": proposal,
        "Engaging, open": opened[1:] or [proposal],
        "Won": by_kind[Stage.Kind.WON],
        "Lost": by_kind[Stage.Kind.LOST],
    }
    teams = dict(
        TeamMembership.objects.filter(team__kind=Team.Kind.SALES)
        .order_by("-team_id")
        .values_list("user_id", "team_id")
    )
    from core.management.commands.load_demo import ACCOUNT_KEY

    # Maven name -> the demo's account, by its external id (a user may rename it, or have an
    # account of the same name)
    by_name = {
        a.external_id.removeprefix(ACCOUNT_KEY): a
        for a in accounts
        if a.external_id and a.external_id.startswith(ACCOUNT_KEY)
    }
    products = _products()
    shift = _shift(_read("sales_pipeline.csv"))  # over the whole file, also on a re-run
    plans = [
        _Plan(r, shift=shift, stages=stages, products=products, owners=users, teams=teams,
              accounts=by_name)
        for r in rows
    ]  # fmt: skip
    opps = _insert_opportunities(plans)
    pairs = list(zip(plans, opps, strict=True))
    through = Opportunity.products.through
    copy_rows(through, ["opportunity_id", "product_id"],
          [(o.pk, p.product.pk) for p, o in pairs if p.product])  # fmt: skip
    copy_rows(
        StageChange,
        ["opportunity_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by_id",
         "amount", "currency", "probability"],
        [(o.pk, src.pk if src else None, dst.pk, _at(day), o.owner_id, o.amount, o.currency,
          dst.probability) for p, o in pairs for src, dst, day in p.moves],
    )  # fmt: skip
    _timeline(pairs)
    _activities(pairs)
    stdout.write(f"  Opportunities: {len(opps)} Maven deals loaded.")


def _insert_opportunities(plans) -> list[Opportunity]:
    """The deals with their own creation times (``created_at`` is ``auto_now_add``, which
    ``bulk_create`` would overwrite): ids from the table's sequence, then one COPY."""
    opps = [p.opp for p in plans]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('sales_opportunity', 'id'))"
            " FROM generate_series(1, %s)",
            [len(opps)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for pk, plan, opp in zip(ids, plans, opps, strict=True):
        opp.pk = pk
        opp.created_at = _at(plan.moves[0][2], 9)
        opp.updated_at = opp.stage_changed_at
    fields = Opportunity._meta.concrete_fields
    copy_rows(Opportunity, [f.column for f in fields],
          [tuple(getattr(o, f.attname) for f in fields) for o in opps])  # fmt: skip
    return opps


TIMELINE_COLUMNS = ["occurred_at", "kind", "title", "summary", "url", "account_id",
                    "contact_id", "actor_id", "subject_type_id", "subject_id", "access_kind",
                    "owner_id", "team_id"]  # fmt: skip


def _timeline(pairs) -> None:
    """The entries ``timeline.record_opportunity`` writes: created, moves, won/lost."""
    subject_type = ContentType.objects.get_for_model(Opportunity).pk
    url = reverse("sales:opportunity_detail", args=[0])[:-2]
    sales = TimelineEntry.Access.SALES.value
    rows = []
    for plan, opp in pairs:
        value = timeline.money_text(opp.amount, opp.currency)
        for src, dst, day in plan.moves:
            if src is None:
                title = f"Opportunity created: {opp.name} ({dst.name}, {value})"
            elif dst.kind == Stage.Kind.WON:
                title = f"Won: {opp.name} ({value})"
            elif dst.kind == Stage.Kind.LOST:
                title = f"Lost: {opp.name} ({opp.get_close_reason_display()})"
            else:
                title = f"{opp.name}: {src.name} → {dst.name} ({value})"
            rows.append((_at(day, 9), timeline.KIND, title[:255], "", f"{url}{opp.pk}/",
                         opp.account_id, None, opp.owner_id, subject_type, opp.pk, sales,
                         opp.owner_id, opp.team_id))  # fmt: skip
    copy_rows(TimelineEntry, TIMELINE_COLUMNS, rows)


def _activities(pairs) -> None:
    """A logged call or e-mail on some open deals (what keeps them from going stale), with
    their timeline entries, as ``activity_save`` would write them."""
    related_type = ContentType.objects.get_for_model(Opportunity)
    activities = []
    for plan, opp in pairs:
        if plan.activity_day is None or opp.owner_id is None:
            continue
        kind = Activity.Kind.CALL if _hash(plan.key + "k", 2) else Activity.Kind.EMAIL
        subject = "Follow-up on the proposal" if kind == Activity.Kind.CALL else "Sent the details"
        when = opp.last_activity_at
        activities.append(Activity(
            kind=kind, subject=subject, body=f"{subject} ({opp.name}).", starts_at=when,
            done=True, done_at=when, assigned_to_id=opp.owner_id, team_id=opp.team_id,
            account_id=opp.account_id, related_type=related_type, related_id=opp.pk,
            external_id=f"demo:opportunity:{plan.key}",
        ))  # fmt: skip
    # a deal deleted by a user comes back, the logged call a user kept stays the only one
    kept = set(
        Activity.objects.filter(external_id__in=[a.external_id for a in activities]).values_list(
            "external_id", flat=True
        )
    )
    activities = [a for a in activities if a.external_id not in kept]
    activities = Activity.objects.bulk_create(activities, batch_size=BATCH)
    activity_type = ContentType.objects.get_for_model(Activity).pk
    url = reverse("accounts:activity_detail", args=[0])[:-2]
    customer = TimelineEntry.Access.CUSTOMER.value
    copy_rows(
        TimelineEntry,
        TIMELINE_COLUMNS,
        [(a.starts_at, a.kind, f"{a.get_kind_display()}: {a.subject}"[:255], a.body[:500],
          f"{url}{a.pk}/", a.account_id, None, a.assigned_to_id, activity_type, a.pk, customer,
          None, None) for a in activities],
    )  # fmt: skip
