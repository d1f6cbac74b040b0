"""App shell: every role's landing page (workspace) and the login page, server-side.

Budget (issue #2): an empty page of the app shell p95 < 30 ms with at most 5 queries."""

import platform
import time

from common import client_for, measure, write_results
from django.test import Client  # noqa: E402

from users.models import User  # noqa: E402

PAGES = [
    ("login page (anonymous)", None, "/login/"),
    ("sales rep workspace", "anna.snelling", "/sales/workspace/"),
    ("sales manager dashboard", "dustin.brinkmann", "/dashboard/"),
    ("marketing workspace", "marta.ricci", "/marketing/"),
    ("support agent workspace", "sam.okafor", "/service/workspace/"),
    ("support manager dashboard", "lena.vogel", "/dashboard/"),
    ("profile page (empty shell)", "anna.snelling", "/me/"),
]

rows = []
for label, username, url in PAGES:
    client = client_for(User.objects.get(username=username)) if username else Client()
    row = measure(client, url)
    row["label"] = label
    rows.append(row)
    print(f"{label:32} p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  "
          f"queries {row['queries']}")  # fmt: skip

notes = (
    f"Measured {time.strftime('%Y-%m-%d')} on {platform.node() or 'this machine'} "
    f"({platform.processor() or platform.machine()}, Python {platform.python_version()}) "
    "with `make bench` (DEBUG off, demo data). Django test client in-process: the time is "
    "server-side (middleware, view, template, database), no network."
)
print("written", write_results("shell_pages", rows, notes))
