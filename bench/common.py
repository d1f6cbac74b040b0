"""Helpers for the benchmarks: server-side timing of requests through the whole Django stack
(middleware, views, templates, database) with the in-process test client, plus query counts."""

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def measure(client: Client, url: str, runs: int = 200, warmup: int = 20) -> dict:
    for _ in range(warmup):
        client.get(url)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    timings.sort()
    return {
        "url": url,
        "runs": runs,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "queries": len(ctx.captured_queries),
    }


def machine() -> str:
    """The machine a result was measured on, for the results files."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as fh:
        mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (
        f"{platform.node()}: {os.cpu_count()} × {cpu}, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}, PostgreSQL {pg.split()[0]}"
    )


def write_results(name: str, rows: list[dict], notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    lines = [
        f"# {name}",
        "",
        notes,
        "",
        "| page | runs | p50 ms | p95 ms | max ms | queries |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        label = r.get("label", r["url"])
        lines.append(
            f"| {label} | {r['runs']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |"
            f" {r['queries']} |"
        )
    path.write_text("\n".join(lines) + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    return path
