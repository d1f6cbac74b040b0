"""The lead score: 0–100 with its explanation, a list of ``{factor, points, kind}`` that adds up
to the score exactly (a "capped" line keeps the sum inside 0..100).

Three parts, all explainable:

* fit — industry, company size, job title seniority, a country/region inside a sales
  territory (an active assignment rule's), and the BANT answers;
* engagement — activities logged on the lead (``Activity.related``) and campaign responses;
* learned — naive Bayes log-odds per fact, trained on our own converted vs disqualified leads
  (``LeadScoringModel``, ``manage.py train_lead_scoring``, nightly on beat). Each fact the lead
  has adds ``round(clamp(log-odds) * LEARNED_SCALE)`` points.

Everything is computed in Python from the lead and a ``Context`` read once for many leads, so
scoring 10,000 leads is a few queries per chunk.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count

from ..models import AssignmentRule, Lead, LeadScoringModel

INDUSTRY_POINTS = {
    "technology": 10, "software": 10, "telecommunications": 8, "finance": 8, "medical": 8,
    "retail": 5, "marketing": 5, "services": 5, "entertainment": 4, "employment": 4,
}  # fmt: skip
OTHER_INDUSTRY_POINTS = 2
SIZE_POINTS = ((1000, "1000+", 15), (200, "200-999", 10), (50, "50-199", 6), (0, "1-49", 2))
SENIORITY = (  # (level, points, words in the title)
    ("executive", 15, ("ceo", "cfo", "cto", "coo", "cio", "chief", "owner", "founder",
                       "president", "vp", "vice president", "partner", "managing director")),
    ("director", 10, ("director", "head of", "head")),
    ("manager", 6, ("manager", "lead", "supervisor")),
    ("staff", 2, ()),
)  # fmt: skip
AUTHORITY_POINTS = {"decision_maker": 8, "influencer": 4, "user": 0}
TIMEFRAME_POINTS = {"now": 8, "quarter": 5, "year": 2, "later": -3}
BUDGET_POINTS = 5
NEED_POINTS = 4
TERRITORY_POINTS = 5
FREE_MAIL_POINTS = -5
FREE_MAIL = frozenset({"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
                       "aol.com", "icloud.com", "gmx.de", "web.de", "libero.it", "proton.me",
                       "protonmail.com", "mail.com", "yandex.ru"})  # fmt: skip
ACTIVITY_POINTS, ACTIVITY_MAX = 3, 5  # per activity, up to 5 activities
RESPONSE_POINTS, RESPONSE_MAX = 6, 2  # per campaign response, up to 2
LEARNED_SCALE = 4  # points per unit of log-odds
LEARNED_CLAMP = 2.0  # |log-odds| used at most (a rare fact cannot dominate)
MIN_PER_CLASS = 10  # converted and disqualified leads each needed to train
MIN_FACT_COUNT = 3  # a fact seen fewer times in the history gets no weight
RESPONDED = ("responded", "converted")


# -- facts ---------------------------------------------------------------------------------------
def size_bucket(employees) -> tuple[str, int] | None:
    if not employees:
        return None
    for floor, label, points in SIZE_POINTS:
        if employees >= floor:
            return label, points
    return None


def seniority(title: str) -> tuple[str, int] | None:
    words = f" {title.lower().replace(',', ' ').replace('/', ' ')} "
    if not words.strip():
        return None
    for level, points, keys in SENIORITY:
        if not keys or any(f" {k} " in words for k in keys):
            return level, points
    return None


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def facts(lead: Lead, campaign_kind: str = "") -> list[str]:
    """What the learned model looks at: stable, categorical facts of the lead."""
    out = []
    if lead.industry:
        out.append(f"industry={lead.industry.strip().lower()}")
    if size := size_bucket(lead.employees):
        out.append(f"size={size[0]}")
    if level := seniority(lead.title):
        out.append(f"seniority={level[0]}")
    if lead.source:
        out.append(f"source={lead.source.strip().lower()}")
    if lead.country:
        out.append(f"country={lead.country.strip().lower()}")
    if lead.authority:
        out.append(f"authority={lead.authority}")
    if lead.timeframe:
        out.append(f"timeframe={lead.timeframe}")
    if lead.budget is not None:
        out.append("budget=known")
    if campaign_kind:
        out.append(f"campaign={campaign_kind}")
    if domain := email_domain(lead.email):
        out.append("email=private" if domain in FREE_MAIL else "email=company")
    return out


FACT_LABELS = {
    "industry": "Industry", "size": "Company size", "seniority": "Seniority",
    "source": "Source", "country": "Country", "authority": "Authority",
    "timeframe": "Timeframe", "budget": "Budget", "campaign": "Campaign type", "email": "E-mail",
}  # fmt: skip


def fact_label(fact: str) -> str:
    key, _, value = fact.partition("=")
    return f"{FACT_LABELS.get(key, key)}: {value}"


# -- context read once for many leads ------------------------------------------------------------
@dataclass
class Context:
    territories: frozenset[str] = frozenset()
    weights: dict[str, float] = field(default_factory=dict)
    model_size: int = 0  # leads the model learned from
    activities: dict[int, int] = field(default_factory=dict)  # lead id -> count
    responses: dict[int, int] = field(default_factory=dict)
    campaign_kinds: dict[int, str] = field(default_factory=dict)  # campaign id -> kind


def territories() -> frozenset[str]:
    values = AssignmentRule.objects.filter(active=True).values_list("countries", flat=True)
    return frozenset(c.strip().lower() for countries in values for c in countries if c.strip())


def latest_model() -> LeadScoringModel | None:
    return LeadScoringModel.objects.order_by("-trained_at", "-id").first()


def context_for(leads: list[Lead]) -> Context:
    """The facts scoring needs besides the leads' own fields: 3–5 queries for any number."""
    from accounts.models import Activity
    from marketing.models import Campaign, CampaignMember

    model = latest_model()
    ctx = Context(
        territories=territories(),
        weights=model.weights if model else {},
        model_size=(model.converted + model.disqualified) if model else 0,
    )
    ids = [lead.pk for lead in leads if lead.pk]
    if ids:
        lead_type = ContentType.objects.get_for_model(Lead)
        ctx.activities = dict(
            Activity.objects.filter(related_type=lead_type, related_id__in=ids)
            .values_list("related_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        ctx.responses = dict(
            CampaignMember.objects.filter(lead_id__in=ids, status__in=RESPONDED)
            .values_list("lead_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    campaign_ids = {lead.campaign_id for lead in leads if lead.campaign_id}
    if campaign_ids:
        ctx.campaign_kinds = dict(
            Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "kind")
        )
    return ctx


# -- the score -----------------------------------------------------------------------------------
def explain(lead: Lead, ctx: Context) -> tuple[int, list[dict]]:
    """(score, [{factor, points, kind}]) — the points add up to the score."""
    rows: list[dict] = []

    def add(kind, factor, points):
        if points:
            rows.append({"factor": factor, "points": int(points), "kind": kind})

    industry = lead.industry.strip().lower()
    if industry:
        add("fit", f"Industry {lead.industry}",
            INDUSTRY_POINTS.get(industry, OTHER_INDUSTRY_POINTS))  # fmt: skip
    if size := size_bucket(lead.employees):
        add("fit", f"Company size {size[0]} employees", size[1])
    if level := seniority(lead.title):
        add("fit", f"Job title “{lead.title}” ({level[0]})", level[1])
    place = {v.strip().lower() for v in (lead.country, lead.region) if v.strip()}
    if place & ctx.territories:
        add("fit", "Country/region in a sales territory", TERRITORY_POINTS)
    if lead.budget is not None:
        add("fit", "Budget known", BUDGET_POINTS)
    if lead.authority:
        add("fit", f"Authority: {lead.get_authority_display()}",
            AUTHORITY_POINTS.get(lead.authority, 0))  # fmt: skip
    if lead.need.strip():
        add("fit", "Need described", NEED_POINTS)
    if lead.timeframe:
        add("fit", f"Timeframe: {lead.get_timeframe_display()}",
            TIMEFRAME_POINTS.get(lead.timeframe, 0))  # fmt: skip
    if email_domain(lead.email) in FREE_MAIL:
        add("fit", "Private e-mail address", FREE_MAIL_POINTS)

    activities = ctx.activities.get(lead.pk, 0)
    if activities:
        shown = min(activities, ACTIVITY_MAX)
        add("engagement", f"{activities} activit{'y' if activities == 1 else 'ies'} logged",
            shown * ACTIVITY_POINTS)  # fmt: skip
    responses = ctx.responses.get(lead.pk, 0)
    if responses:
        add("engagement", f"Responded to {responses} campaign{'s' if responses > 1 else ''}",
            min(responses, RESPONSE_MAX) * RESPONSE_POINTS)  # fmt: skip

    if ctx.weights:
        for fact in facts(lead, ctx.campaign_kinds.get(lead.campaign_id, "")):
            weight = ctx.weights.get(fact)
            if weight is None:
                continue
            points = round(max(-LEARNED_CLAMP, min(LEARNED_CLAMP, weight)) * LEARNED_SCALE)
            trend = "converts more often" if points > 0 else "is disqualified more often"
            add("learned", f"History: {fact_label(fact)} {trend}", points)

    total = sum(r["points"] for r in rows)
    score = max(0, min(100, total))
    if score != total:
        add("cap", "Kept within 0–100", score - total)
    return score, rows


def score_lead(lead: Lead) -> Lead:
    """Recompute one lead's score and explanation and write them (no other field)."""
    lead.score, lead.score_explanation = explain(lead, context_for([lead]))
    if lead.pk:
        Lead.objects.filter(pk=lead.pk).update(
            score=lead.score, score_explanation=lead.score_explanation
        )
    return lead


CHUNK = 2000


def score_leads(leads) -> int:
    """Rescore many leads set-based: per chunk one context and one UPDATE (the new scores
    travel as one JSON document)."""
    leads = list(leads)
    table = connection.ops.quote_name(Lead._meta.db_table)
    for start in range(0, len(leads), CHUNK):
        chunk = leads[start : start + CHUNK]
        ctx = context_for(chunk)
        rows = []
        for lead in chunk:
            lead.score, lead.score_explanation = explain(lead, ctx)
            rows.append({"i": lead.pk, "s": lead.score, "e": lead.score_explanation})
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS l SET score = (v->>'s')::int, score_explanation = v->'e' "  # noqa: S608 - identifiers from the model
                "FROM jsonb_array_elements(%s::jsonb) AS v WHERE l.id = (v->>'i')::bigint",
                [json.dumps(rows)],
            )
    return len(leads)


def rescore_open_leads() -> int:
    """Every lead not yet converted or disqualified, in chunks (the nightly run)."""
    qs = Lead.objects.filter(converted_at__isnull=True).exclude(status=Lead.Status.DISQUALIFIED)
    done = 0
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return done
        done += score_leads(chunk)
        last = chunk[-1].pk


# -- learning ------------------------------------------------------------------------------------
LEARN_FIELDS = ("industry", "employees", "title", "source", "country", "authority", "timeframe",
                "budget", "campaign_id", "email", "converted_at", "status")  # fmt: skip


def train(*, min_per_class: int = MIN_PER_CLASS) -> LeadScoringModel | None:
    """Learn log-odds per fact from converted (positive) vs disqualified (negative) leads,
    with Laplace smoothing. None (and no new model) while the history is too small."""
    from marketing.models import Campaign

    kinds = dict(Campaign.objects.values_list("pk", "kind"))
    history = (
        Lead.objects.filter(converted_at__isnull=False)
        | Lead.objects.filter(status=Lead.Status.DISQUALIFIED)
    ).only(*LEARN_FIELDS)
    counts = {True: Counter(), False: Counter()}
    totals = Counter()
    for lead in history.iterator(chunk_size=CHUNK):
        converted = lead.converted_at is not None
        totals[converted] += 1
        counts[converted].update(set(facts(lead, kinds.get(lead.campaign_id, ""))))
    n_yes, n_no = totals[True], totals[False]
    if n_yes < min_per_class or n_no < min_per_class:
        return None
    weights = {}
    for fact in set(counts[True]) | set(counts[False]):
        yes, no = counts[True][fact], counts[False][fact]
        if yes + no < MIN_FACT_COUNT:
            continue
        weight = math.log((yes + 1) / (n_yes + 2)) - math.log((no + 1) / (n_no + 2))
        weights[fact] = round(weight, 4)
    with transaction.atomic():
        return LeadScoringModel.objects.create(converted=n_yes, disqualified=n_no, weights=weights)
