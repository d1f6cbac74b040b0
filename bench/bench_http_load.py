"""HTTP load test (issue 16, item 9): the app served as in production and by `make run` —
`gunicorn crm_site.wsgi` with its settings file ``gunicorn.conf.py``, 2 workers
(``WEB_CONCURRENCY``), on a free loopback port — and 50 concurrent clients, each with
its own keep-alive connection and a demo rep's session, asking for the contact list, the account
list, the lead list and a search, ~20 s each. Measured from the clients: throughput, p50/p95/p99
latency, errors. Unlike the other benches (in-process, server-side), this includes the network
stack, gunicorn's queueing and the clients themselves (threads on the same machine).

    python bench/bench_http_load.py                  # 50 clients, 20 s per page
    python bench/bench_http_load.py --quick          # 5 s per page
    BENCH_HTTP_CLIENTS=20 BENCH_HTTP_SECONDS=10 python bench/bench_http_load.py
    BENCH_RESULTS_DIR=/tmp/b python bench/bench_http_load.py   # results elsewhere
    BENCH_HTTP_NOTE="…" python bench/bench_http_load.py   # a sentence added to the results

Needs the environment of `make bench` (DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=false,
STATIC_ROOT with collected static files) and the demo data (`manage.py load_demo`).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from common import RESULTS, ROOT, machine
from django.urls import reverse  # noqa: E402

from accounts.models import Account, Contact  # noqa: E402
from core.management.commands.load_demo import DEMO_PASSWORD  # noqa: E402
from sales.models import Lead  # noqa: E402

QUICK = "--quick" in sys.argv
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", 50))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", 5 if QUICK else 20))
WARMUP_SECONDS = 2.0
ALONE_SECONDS = 1 if QUICK else 3
OUT = Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS)
NOTE = os.environ.get("BENCH_HTTP_NOTE", "")  # said with the results, e.g. where they came from
REP = "anna.snelling"  # the README's demo login of a sales rep
HOST = "127.0.0.1"


# The one web server command (README, scripts/run.sh): gunicorn reads gunicorn.conf.py from the
# checkout (threads, request recycling, timeout, access log); workers and address by environment.
GUNICORN = "gunicorn crm_site.wsgi"
WORKERS = "2"  # as `make run` on this 2-core machine
THREADS = os.environ.get("GUNICORN_THREADS", "2")  # gunicorn.conf.py


def gunicorn_env(port: int) -> dict:
    return {**os.environ, "WEB_CONCURRENCY": WORKERS, "GUNICORN_BIND": f"{HOST}:{port}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "crm_site.wsgi"], cwd=ROOT,
        env=gunicorn_env(port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; its log: {log.name}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", reverse("login"))
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn did not answer on {HOST}:{port} within 60 s; its log: {log.name}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.terminate()  # the master stops its workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cookies_of(response, jar: dict) -> dict:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
    return jar


def log_in(port: int, username: str) -> str:
    """The login form, as a browser fills it in; returns the Cookie header of the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", reverse("login"))
    response = conn.getresponse()
    response.read()
    jar = cookies_of(response, {})
    form = urlencode({"username": username, "password": DEMO_PASSWORD,
                      "csrfmiddlewaretoken": jar["csrftoken"]})  # fmt: skip
    conn.request("POST", reverse("login"), body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
    })  # fmt: skip
    response = conn.getresponse()
    response.read()
    jar = cookies_of(response, jar)
    if response.status != 302 or "sessionid" not in jar:
        sys.exit(f"Logging in as {username} failed (HTTP {response.status}): load the demo data.")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def client(port: int, url: str, cookie: str, until: float, record: bool) -> tuple[list, int]:
    """One user: requests ``url`` back to back on a keep-alive connection until ``until``;
    returns the latencies (ms) of the 200 answers and the number of failures."""
    latencies, errors = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            conn.request("GET", url, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            # gunicorn recycles a worker every ~2,000 requests (--max-requests): reconnect
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if response.status == 200:
            latencies.append(elapsed)
        else:
            errors += 1
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.close()
    return (latencies if record else []), (errors if record else 0)


def percentile(values: list[float], share: float) -> float:
    return round(values[max(0, math.ceil(share * len(values)) - 1)], 1)


def drive(port: int, url: str, cookie: str, clients: int, seconds: float):
    """``clients`` users at once for ``seconds`` (after the warm-up): latencies, errors, time."""
    with ThreadPoolExecutor(max_workers=clients) as pool:
        warm = time.monotonic() + WARMUP_SECONDS
        list(pool.map(lambda _: client(port, url, cookie, warm, False), range(clients)))
        started = time.monotonic()
        until = started + seconds
        results = list(pool.map(lambda _: client(port, url, cookie, until, True), range(clients)))
        elapsed = time.monotonic() - started
    latencies = sorted(ms for done, _ in results for ms in done)
    return latencies, sum(failed for _, failed in results), elapsed


def load(port: int, label: str, url: str, cookie: str) -> dict:
    # one client alone first: what a request costs without a queue in front of it
    alone, _, _ = drive(port, url, cookie, 1, ALONE_SECONDS)
    latencies, errors, elapsed = drive(port, url, cookie, CLIENTS, SECONDS)
    if not latencies:
        return {"label": label, "url": url, "requests": 0, "errors": errors}
    return {
        "label": label,
        "url": url,
        "alone_p50_ms": percentile(alone, 0.50) if alone else None,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 1),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": round(latencies[-1], 1),
    }


def pages() -> list[tuple[str, str]]:
    person = (
        Contact.objects.filter(external_id__startswith="demo:contact:").order_by("pk").first()
        or Contact.objects.order_by("pk").first()
    )
    term = person.last_name if person else "a"
    return [
        ("contact list", reverse("accounts:contact_list")),
        ("account list", reverse("accounts:account_list")),
        ("lead list", reverse("sales:lead_list")),
        (f"search “{term}”", f"{reverse('core:search')}?{urlencode({'q': term})}"),
    ]


def write(rows: list[dict], notes: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "# http_load",
        "",
        notes,
        "",
        "| page | 1 client: p50 ms | requests | errors | req/s | p50 ms | p95 ms | p99 ms |"
        " max ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r["requests"]:
            lines.append(f"| {r['label']} (`{r['url']}`) | – | 0 | {r['errors']} |" + " – |" * 5)
            continue
        lines.append(
            f"| {r['label']} (`{r['url']}`) | {r['alone_p50_ms']} | {r['requests']} |"
            f" {r['errors']} | {r['rps']} |"
            f" {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |"
        )
    path = OUT / "http_load.md"
    path.write_text("\n".join(lines) + "\n")
    (OUT / "http_load.json").write_text(json.dumps(rows, indent=2) + "\n")
    return path


def main() -> None:
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    size = (
        f"{Contact.objects.count():,} contacts, {Account.objects.count():,} accounts, "
        f"{Lead.objects.count():,} leads"
    )
    targets = pages()
    port = free_port()
    started, cpu_before = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    with tempfile.NamedTemporaryFile("w", prefix="gunicorn-", suffix=".log", delete=False) as log:
        server = start_gunicorn(port, log)
        try:
            cookie = log_in(port, REP)
            rows = []
            for label, url in targets:
                row = load(port, label, url, cookie)
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            stop_gunicorn(server)
    os.unlink(log.name)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    wall = time.monotonic() - started
    notes = (
        f"{CLIENTS} concurrent clients (threads of one Python process on the same machine, one "
        f"keep-alive connection each, logged in as the demo rep `{REP}`), {SECONDS:g} s per "
        f"page after a {WARMUP_SECONDS:g} s warm-up, against `WEB_CONCURRENCY={WORKERS} "
        f"GUNICORN_BIND={HOST}:<free port> {GUNICORN}` (the command of `make run` and "
        f"production; gunicorn.conf.py: {WORKERS} workers × {THREADS} threads, a worker recycled "
        f"after ~2,000 requests). Latency is measured by the clients: "
        f"queueing in gunicorn included. Errors: non-200 answers and dropped connections "
        f'(gunicorn recycles a worker after ~2,000 requests). "1 client": one client '
        f"alone for {ALONE_SECONDS} s just before, what a request costs without a queue.\n\n"
        f"Database: {size}. Load average before: {load_before}; after: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}. The clients used "
        f"{client_cpu:.1f} s of CPU in {wall:.0f} s (of the machine's {os.cpu_count()} cores)."
        f"\n\n"
        f"Run: `BENCH_HTTP_CLIENTS={CLIENTS} BENCH_HTTP_SECONDS={SECONDS:g} python "
        f"{' '.join(sys.argv)}`.{(' ' + NOTE) if NOTE else ''}\n\nMachine: {machine()}"
    )
    print(write(rows, notes))


if __name__ == "__main__":
    main()
