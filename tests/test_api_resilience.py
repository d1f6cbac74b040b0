"""With Redis down the API and the public web-to-lead form keep answering: the rate limits
(DRF throttles, the form's limiter) fail open with a logged warning instead of a 500.

The test starts a Redis of its own on a free port, points the cache at it, stops it and calls
the API; the shared test Redis that other tests use is left alone."""

import logging
import shutil
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from .api_helpers import API, token_client
from .conftest import free_port


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, and the Django cache pointed at it."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    location = f"redis://127.0.0.1:{port}/0"
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": location, "KEY_PREFIX": "crm"}}  # fmt: skip
    with override_settings(CACHES=caches):
        yield process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=10)


def test_the_api_answers_when_redis_is_down(org, records, own_redis, caplog):
    key = Token.objects.create(user=org.rep).key
    api = token_client(key)
    assert api.get(f"{API}/accounts/").status_code == 200  # throttled through our Redis
    stop(own_redis)
    with pytest.raises(redis.ConnectionError):
        cache.get("anything")  # it is really down

    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        listed = api.get(f"{API}/accounts/")
        created = api.post(f"{API}/accounts/", {"name": "Outage Ltd"}, "application/json")
        anonymous = Client(raise_request_exception=False).get(f"{API}/accounts/")

    assert listed.status_code == 200
    assert records.account.pk in {row["id"] for row in listed.json()["results"]}
    assert created.status_code == 201, created.content[:300]
    assert anonymous.status_code == 401  # the anonymous throttle let it through to the auth
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("not applied: the cache is unavailable" in m for m in warnings), warnings


def test_the_public_form_rate_limit_fails_open_when_redis_is_down(db, own_redis, caplog):
    visitor = Client(REMOTE_ADDR="198.18.7.7", raise_request_exception=False)
    stop(own_redis)
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        # The honeypot answers right after the rate limit: a bot gets its thank-you page.
        response = visitor.post("/forms/lead/", {"last_name": "Bot", "website": "spam"})
    assert response.status_code == 302, response.content[:300]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Web-to-lead rate limit not applied" in m for m in warnings), warnings


def test_a_visitor_s_lead_is_taken_when_redis_is_down(db, own_redis, caplog):
    from sales.leads.public import form_token
    from sales.models import Lead

    visitor = Client(REMOTE_ADDR="198.18.7.8", raise_request_exception=False)
    form = visitor.get("/forms/lead/")
    assert form.status_code == 200
    stop(own_redis)
    token = form_token(issued_at=time.time() - 30)
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@outage.example",
            "company": "Analytical Engines", "token": token}  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        response = visitor.post("/forms/lead/", data)
    assert response.status_code == 302, response.content[:300]
    assert Lead.objects.filter(email="ada@outage.example").count() == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("single-use token not applied" in m for m in warnings), warnings
