"""Sales at scale (issue 4): the opportunity list, the kanban board, the forecast, the rep's
workspace, the account page, leads and the API on the data set of
`manage.py generate_sales_scale_data` (500,000 opportunities, a pipeline with 10,000 open
deals, 10 teams under one manager, 10,000 unassigned leads, a 200-line quote); plus the
assignment of those leads and the PDF of that quote.

Budgets (issue 4): list p95 < 150 ms, board < 200 ms, forecast < 300 ms (other pages: the
150 ms of every page); assigning 10,000 leads < 10 s; the 200-line PDF < 3 s in the worker.
Parts another part of the app has not built yet are reported as "not built", not crashed on.

    python bench/bench_sales.py                 # all of it (writes bench/results/sales.*)
    python bench/bench_sales.py --quick         # fewer runs per page
    BENCH_RESULTS_DIR=/tmp/b python bench/bench_sales.py --quick   # results elsewhere
    --no-worker: no Celery worker run for the PDF;  --no-assign: no lead assignment
    --only=board,pdf: only these parts (page groups list/board/forecast/page/api/info, or pdf,
    worker, assign); prints, writes no results
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from common import RESULTS, client_for, machine, measure
from django.db import connection  # noqa: E402
from django.urls import NoReverseMatch, Resolver404, resolve, reverse  # noqa: E402

# assigning the leads and the quote PDF (worker included) live beside this script
from sales_jobs import (  # noqa: E402, F401  (the smoke test calls them as bench_sales.*)
    ASSIGN_S_BUDGET,
    NOT_BUILT,
    PDF_S_BUDGET,
    assign_row,
    pdf_row,
    reset_bench_leads,
    worker_row,
)

from sales.models import Lead, Opportunity, Pipeline, Quote, Stage  # noqa: E402
from sales.scale_data import (  # noqa: E402
    LEAD_MARKER,
    MANAGER,
    PIPELINE_NAME,
    QUOTE_NUMBER,
    REP_NAME,
    TEAM_NAME,
)
from users.models import Team, User  # noqa: E402

QUICK = "--quick" in sys.argv
# --only=list,board,forecast,page,api,info,pdf,worker,assign: a part of the bench (no results
# files are written then).
ONLY = next((set(a.split("=", 1)[1].split(",")) for a in sys.argv if a.startswith("--only=")), None)
OUT = Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS)
LOAD_BEFORE = ", ".join(f"{x:.1f}" for x in os.getloadavg())
BUDGET_MS = {"list": 150, "board": 200, "forecast": 300, "page": 150, "api": 150}


@dataclass
class Target:
    label: str
    group: str  # a key of BUDGET_MS, or "info" (measured, no budget)
    name: str  # URL name
    user: object
    args: tuple = ()
    params: dict = field(default_factory=dict)


@dataclass
class Sample:
    """The users and rows the pages are measured with (found, not assumed)."""

    manager: User
    rep: User
    bench: Pipeline
    team: Team
    stage: Stage | None
    month: str
    hot_account: int | None
    quote: Quote | None
    counts: dict


def sample() -> Sample:
    try:
        manager = User.objects.get(username=MANAGER)
        rep = User.objects.get(username=REP_NAME.format(1))
        bench = Pipeline.objects.get(name=PIPELINE_NAME)
    except (User.DoesNotExist, Pipeline.DoesNotExist):
        sys.exit("No sales scale data: run `manage.py generate_sales_scale_data` first.")
    default = Pipeline.objects.filter(is_default=True).first()
    stage = None
    if default:
        stage = default.stages.filter(kind="open").order_by("position")[1:2].first()
    next_month = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT account_id FROM sales_opportunity WHERE account_id IS NOT NULL "
            "GROUP BY account_id ORDER BY count(*) DESC LIMIT 1"
        )
        row = cur.fetchone()
    counts = {
        "opportunities": Opportunity.objects.count(),
        "open deals in the Bench pipeline": Opportunity.objects.filter(
            pipeline=bench, status="open"
        ).count(),
        "leads": Lead.objects.count(),
        "bench leads": Lead.objects.filter(external_id__startswith=LEAD_MARKER).count(),
    }
    return Sample(
        manager=manager, rep=rep, bench=bench, team=Team.objects.get(name=TEAM_NAME.format(1)),
        stage=stage, month=next_month, hot_account=row[0] if row else None,
        quote=Quote.objects.filter(number=QUOTE_NUMBER).order_by("-version").first(),
        counts=counts,
    )  # fmt: skip


def targets(s: Sample) -> list[Target]:
    m, r = s.manager, s.rep
    stage = {"stage": s.stage.pk} if s.stage else {"stage": "none"}
    t = [
        Target("opportunity list, rep", "list", "sales:opportunity_list", r),
        Target("opportunity list, manager of 10 teams", "list", "sales:opportunity_list", m),
        Target("opportunity list, manager, by stage", "list", "sales:opportunity_list", m,
               params=stage),
        Target("opportunity list, manager, by close month", "list", "sales:opportunity_list", m,
               params={"close_month": s.month}),
        Target("opportunity list, manager, sorted by amount", "list", "sales:opportunity_list",
               m, params={"sort": "-amount"}),
        Target("opportunity list, rep, sorted by amount", "list", "sales:opportunity_list", r,
               params={"sort": "-amount"}),
        Target("opportunity list, manager, page 200", "list", "sales:opportunity_list", m,
               params={"page": 200}),
        Target("kanban, Bench pipeline, manager", "board", "sales:board", m, (s.bench.pk,)),
        Target("kanban, Bench pipeline, rep", "board", "sales:board", r, (s.bench.pk,)),
        Target("kanban, Bench pipeline, manager, one team", "board", "sales:board", m,
               (s.bench.pk,), {"team": s.team.pk}),
        Target("kanban, Bench pipeline, manager, close month", "board", "sales:board", m,
               (s.bench.pk,), {"close_month": s.month}),
        Target("kanban, default pipeline (all other open deals), manager", "info",
               "sales:board_default", m),
        Target("forecast, manager of 10 teams, quarters", "forecast", "sales:forecast", m,
               params={"period": "quarter"}),
        Target("forecast, manager of 10 teams, months", "forecast", "sales:forecast", m,
               params={"period": "month"}),
        Target("forecast, manager, one team", "forecast", "sales:forecast", m,
               params={"team": s.team.pk}),
        Target("forecast, rep", "forecast", "sales:forecast", r),
        Target("rep workspace", "page", "sales:workspace", r),
        Target("lead list, rep", "page", "sales:lead_list", r),
        Target("lead list, manager, unassigned", "page", "sales:lead_list", m,
               params={"unassigned": "true"}),
        Target("API opportunity list, manager", "api", "opportunity-list", m),
        Target("API opportunity list, rep", "api", "opportunity-list", r),
        Target("forecast, manager of 10 teams, months, whole-range tab", "forecast",
               "sales:forecast", m, params={"period": "month", "tab": "range"}),
        Target("manager dashboard, sales part (htmx), all open deals", "info", "analytics:sales",
               m),
    ]  # fmt: skip
    if s.hot_account:
        t.append(Target("account page, the account with most deals", "page",
                        "accounts:account_detail", m, (s.hot_account,)))  # fmt: skip
    if s.quote:
        t.append(Target(f"quote page, {s.quote.lines.count()} lines", "info",
                        "sales:quote_detail", m, (s.quote.pk,)))  # fmt: skip
    return t


def unknown_params(path: str, params: dict) -> list[str]:
    """Parameters the page would silently ignore: filters its filterset (generic lists) or
    filter form (the board) does not have, a sort on a column its table does not have."""
    try:
        func = resolve(path).func
    except Resolver404:
        return []
    views = getattr(getattr(func, "view_class", None), "views", None)  # RecordViews lists
    known = {"page", "per_page", "period", "team", "rep", "start", "count"}
    if views is not None:
        known |= set(views.filterset_class.base_filters)
        columns = set(views.table_class.base_columns)
        sort = str(params.get("sort", "")).lstrip("-")
        if sort and sort not in columns:
            return [f"sort={sort}"]
    elif func.__module__.endswith("board"):
        from sales.pipeline.forms import BoardFilterForm

        known |= set(BoardFilterForm.base_fields)
    else:
        return []
    return [k for k in params if k != "sort" and k not in known]


def page_rows(s: Sample, only: set[str] | None = None, runs: int | None = None) -> list[dict]:
    """Every page of ``targets`` (those of the ``only`` groups), measured with ``measure``
    (``runs`` times; by default 100, or 20 with --quick or for a page slower than 600 ms)."""
    fixed_runs = runs
    rows = []
    clients = {}
    for t in targets(s):
        if only and t.group not in only:
            continue
        row = {"label": t.label, "group": t.group, "budget_ms": BUDGET_MS.get(t.group)}
        try:
            url = reverse(t.name, args=t.args)
        except NoReverseMatch:
            rows.append({**row, "url": t.name, "result": NOT_BUILT})
            print(f"{t.label:56} {NOT_BUILT} ({t.name})")
            continue
        missing = unknown_params(url, t.params)
        url += f"?{urlencode(t.params)}" if t.params else ""
        row["url"] = url
        if missing:
            rows.append({**row, "result": f"{NOT_BUILT} ({', '.join(missing)})"})
            print(f"{t.label:56} {NOT_BUILT}: {missing}")
            continue
        client = clients.setdefault(t.user.pk, client_for(t.user))
        start = time.perf_counter()
        try:
            response = client.get(url)
        except Exception as exc:  # a page still being built: reported, the bench goes on
            rows.append({**row, "result": f"error: {type(exc).__name__}"})
            print(f"{t.label:56} error: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        first_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            rows.append({**row, "result": f"HTTP {response.status_code}"})
            print(f"{t.label:56} HTTP {response.status_code}")
            continue
        runs = fixed_runs or (20 if QUICK or first_ms > 600 else 100)
        warmup = 1 if fixed_runs else 3 if first_ms > 600 else 10
        row.update(measure(client, url, runs=runs, warmup=warmup))
        if row["budget_ms"] is None:
            row["result"] = "info"
        else:
            row["result"] = "PASS" if row["p95_ms"] < row["budget_ms"] else "OVER"
        rows.append(row)
        print(f"{t.label:56} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms  "
              f"queries {row['queries']:3}  {row['result']}")  # fmt: skip
    return rows


# -- report -----------------------------------------------------------------------------------
def query_note(rows) -> str:
    """Query counts must not grow with the rows a user sees: the same page for a rep (a few
    hundred deals) and for the manager (all of them) should run the same number of queries."""
    by_url: dict[str, list[dict]] = {}
    for r in rows:
        if "queries" in r:
            by_url.setdefault(r["url"], []).append(r)
    same, differ = [], []
    for url, measured in by_url.items():
        if len(measured) < 2:
            continue
        counts = " vs ".join(f"{r['queries']} ({r['label']})" for r in measured)
        (same if len({r["queries"] for r in measured}) == 1 else differ).append(
            f"`{url}`: {counts}"
        )
    if not same and not differ:
        return ""
    text = "Query counts, the same page for a rep and for the manager of every deal: "
    if differ:
        text += "**they differ** for " + "; ".join(differ) + ". "
    if same:
        text += "constant for " + "; ".join(same) + "."
    return text


def write(s: Sample, rows, assigned, pdf, worker) -> Path:
    counts = ", ".join(f"{v:,} {k}" for k, v in s.counts.items())
    lines = [
        "# sales",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {machine()}; load average "
        f"{LOAD_BEFORE} before, {', '.join(f'{x:.1f}' for x in os.getloadavg())} after (the "
        "machine may be shared: a load above its cores inflates every number).",
        "Command: `make bench` (runs `python bench/bench_sales.py"
        f"{' --quick' if QUICK else ''}` against the bench database, DEBUG off). Data: {counts}.",
        "Server-side time through the whole Django stack with the in-process test client; "
        f"`{s.manager.username}` manages the 10 bench teams (every deal), `{s.rep.username}` "
        "is one of their 80 reps. Budgets (p95): list 150 ms, board 200 ms, forecast 300 ms, "
        "other pages 150 ms.",
        "",
        "| page | runs | p50 ms | p95 ms | max ms | queries | budget | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        budget = f"{r['budget_ms']} ms" if r.get("budget_ms") else "—"
        if "p50_ms" not in r:
            lines.append(f"| {r['label']} (`{r['url']}`) | – | – | – | – | – | {budget} |"
                         f" {r['result']} |")  # fmt: skip
            continue
        result = f"**{r['result']}**" if r["result"] == "OVER" else r["result"]
        lines.append(
            f"| {r['label']} (`{r['url']}`) | {r['runs']} | {r['p50_ms']} | {r['p95_ms']} |"
            f" {r['max_ms']} | {r['queries']} | {budget} | {result} |"
        )
    lines += ["", query_note(rows), "", "## Assigning the imported leads (`assign_leads`)", ""]
    if "seconds" in assigned:
        a = assigned
        lines.append(
            f"{a['leads']:,} unassigned leads through the rules in {a['seconds']} s "
            f"({a['queries']} queries): {a['assigned']:,} to {a['reps']} reps "
            f"({a['per_rep_min']}–{a['per_rep_max']} each), {a['queued']:,} waiting in a team's "
            f"queue (no rep with room), {a['unmatched']:,} matched no rule"
            + ("" if a["leads"] == 10_000 else f" (≈ {a['seconds_per_10k']} s per 10,000)")
            + f". Budget < {ASSIGN_S_BUDGET} s per 10,000 leads: **{a['result']}**. The leads "
            "are unassigned again afterwards."
        )
    else:
        lines.append(f"{assigned['result']}: {assigned.get('note', '')}")
    lines += ["", "## The 200-line quote PDF", ""]
    if "first_s" in pdf:
        lines.append(
            f"`render_quote_pdf`, in this process (not the worker): {pdf['lines']} lines, "
            f"{pdf['bytes'] / 1024:.0f} kB; first call {pdf['first_s']} s "
            f"(templates and fonts load), then median {pdf['median_s']} s, max {pdf['max_s']} s "
            f"over {pdf['runs']} runs: {pdf['result']}."
        )
    else:
        lines.append(f"In-process: {pdf['result']} ({pdf.get('note', '')}).")
    if "first_s" in worker:
        lines.append(
            f"\nThrough a Celery worker (`{worker['task']}`, solo pool, a fresh process): from "
            f"enqueueing to the stored document, first {worker['first_s']} s, median "
            f"{worker['median_s']} s, max {worker['max_s']} s over {worker['runs']} runs. "
            f"Budget < {PDF_S_BUDGET} s: **{worker['result']}**."
        )
    else:
        lines.append(f"\nThrough the worker: {worker['result']} ({worker.get('note', '')}).")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "sales.md"
    path.write_text("\n".join(lines) + "\n")
    (OUT / "sales.json").write_text(
        json.dumps({"machine": machine(), "date": time.strftime("%Y-%m-%d"),
                    "load_average_before": LOAD_BEFORE,
                    "load_average_after": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
                    "command": "make bench", "quick": QUICK, "data": s.counts, "pages": rows,
                    "assign_leads": assigned, "quote_pdf": pdf, "quote_pdf_worker": worker},
                   indent=2, default=str) + "\n"
    )  # fmt: skip
    print("written", path)
    return path


def wanted(part: str) -> bool:
    return ONLY is None or part in ONLY


def main():
    for name in ("axes", "weasyprint", "fontTools"):  # their INFO lines drown the report
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # errors: reported per row
    s = sample()
    rows = page_rows(s, ONLY)
    skipped = {"result": "skipped"}
    pdf = pdf_row(s.quote) if wanted("pdf") else skipped
    worker = skipped
    if "--no-worker" not in sys.argv and wanted("worker"):
        worker = worker_row(s.quote)
    assigned = skipped
    if "--no-assign" not in sys.argv and wanted("assign"):
        assigned = assign_row()
    if ONLY is None:
        write(s, rows, assigned, pdf, worker)


if __name__ == "__main__":
    main()
