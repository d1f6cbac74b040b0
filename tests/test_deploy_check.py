"""`manage.py check --deploy` passes with production settings: no warnings at all.

It runs in a subprocess so the settings module is read fresh from the environment a production
server would have. drf-spectacular registers its schema generation as a deploy check, so a
schema warning (an unresolvable serializer field, a view it cannot introspect) fails here too.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Environment values that would relax production defaults; the check must see the defaults.
RELAXED = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_MANIFEST",
    "BEHIND_TLS_PROXY",
    "DEV_MAILDIR",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # the test run's (live_server + Playwright), never production's
)


def production_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in RELAXED}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DEBUG="false",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(64)),
        ALLOWED_HOSTS="crm.example.com",
        DJANGO_SETTINGS_MODULE="crm_site.settings",
    )
    # The database and Redis of this test run (the check itself does not need the database).
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def test_check_deploy_has_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    for marker in ("WARNINGS:", "ERRORS:", "security.W", "drf_spectacular.W", "?: ("):
        assert marker not in output, output


def test_production_env_keeps_secure_defaults():
    """The subprocess really runs with production values (nothing relaxed leaks in)."""
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False True True True True ['crm.example.com']"


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_repository_dev_key():
    env = production_env()
    env["SECRET_KEY"] = "dev-only-insecure-key-change-me-in-production-0123456789abcdefghijkl"
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_on_the_dev_key():
    env = production_env()
    del env["SECRET_KEY"]
    env["DEBUG"] = "true"
    result = run_manage(env, "check")
    assert result.returncode == 0, result.stderr
