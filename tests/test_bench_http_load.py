"""`bench/bench_http_load.py` (`make bench`'s HTTP load test) end to end, small: it starts
gunicorn as `make run` does, logs the demo rep in through the login form, drives a few clients
at the four pages and writes its results."""

import json
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from core.management.commands.load_demo import DEMO_PASSWORD
from tests.factories import ContactFactory, UserFactory

# gunicorn is another process: it sees committed rows only
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(Path(settings.BASE_DIR) / "bench"))
    import bench_http_load

    db = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",  # the test database
    )
    for name, value in {"OUT": tmp_path, "CLIENTS": 3, "SECONDS": 0.5, "WARMUP_SECONDS": 0.2,
                        "ALONE_SECONDS": 0.3}.items():  # fmt: skip
        monkeypatch.setattr(bench_http_load, name, value)
    yield bench_http_load
    sys.modules.pop("bench_http_load", None)


def test_load_test_measures_the_four_pages_through_gunicorn(bench, tmp_path):
    # hashed as gunicorn's settings expect (the tests' own hasher is a fast one it does not know)
    hasher = PBKDF2PasswordHasher()
    rep = UserFactory(username=bench.REP)
    rep.password = hasher.encode(DEMO_PASSWORD, hasher.salt())
    rep.save(update_fields=["password"])
    ContactFactory(last_name="Shaw", owner=rep)

    bench.main()

    rows = json.loads((tmp_path / "http_load.json").read_text())
    assert [row["label"] for row in rows][:3] == ["contact list", "account list", "lead list"]
    assert rows[3]["url"] == "/search/?q=Shaw"
    for row in rows:
        assert row["requests"] > 0 and row["errors"] == 0, row
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert row["alone_p50_ms"] > 0 and row["rps"] > 0
    text = (tmp_path / "http_load.md").read_text()
    assert "3 concurrent clients" in text and "gunicorn crm_site.wsgi" in text
    assert "| contact list (`/contacts/`) |" in text
