"""Shared fixtures: a small organisation with every role, a real SMTP server, a real Celery
worker and a real browser. Tests run against the PostgreSQL and Redis that `make test`
starts (see scripts/test.sh)."""

import os
import socket
import threading
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright

from crm_site.celery import app as celery_app  # noqa: E402

from .factories import (  # noqa: E402
    AccountFactory,
    ContactFactory,
    LeadFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") else 0


def pytest_configure(config):
    # Each xdist worker gets its own Redis database, so Celery queues never cross.
    from django.conf import settings

    base = settings.REDIS_URL.rsplit("/", 1)[0]
    broker = f"{base}/{1 + _worker_index()}"
    celery_app.conf.broker_url = broker
    settings.CELERY_BROKER_URL = broker
    # And its own cache database: each worker's test database numbers users from 1, so a shared
    # cache mixed their throttle counters (and one worker's cache.clear() emptied the other's).
    settings.CACHES["default"]["LOCATION"] = f"{base}/{8 + _worker_index()}"


def clock_start():
    """The instant every test starts at: ``CRM_TEST_NOW`` (ISO 8601; a time without an offset is
    in ``settings.TIME_ZONE``), or None for the real time. ``scripts/test_dates.sh`` runs the
    suite at the awkward ones: month, quarter and year ends, 29 February, DST days, 23:30."""
    raw = os.environ.get("CRM_TEST_NOW", "").strip()
    if not raw:
        return None
    import datetime
    import zoneinfo

    from django.conf import settings

    moment = datetime.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return moment


def pytest_report_header(config):
    moment = clock_start()
    return f"clock: every test starts at {moment.isoformat()}" if moment else "clock: real time"


@pytest.fixture(autouse=True)
def _clock():
    """Travel to CRM_TEST_NOW for the test (the clock ticks on from there, in every thread of
    the process: live server, in-process Celery worker); the real time when it is unset."""
    moment = clock_start()
    if moment is None:
        yield
        return
    import time_machine

    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_currency_decimals():
    """catalog.money keeps currencies' decimals for a minute; a rolled-back test's currencies
    (no delete signal) must not leak into the next test."""
    from catalog import money

    money._forget_units()


@dataclass
class Org:
    """Two sales teams, two support queues and one user of every role."""

    admin: object = None
    sales_manager: object = None
    rep: object = None
    rep_teammate: object = None
    other_rep: object = None
    other_manager: object = None
    marketing: object = None
    agent: object = None
    other_agent: object = None
    support_manager: object = None
    team: object = None
    other_team: object = None
    queue: object = None
    other_queue: object = None
    extra: dict = field(default_factory=dict)

    def by_role(self):
        return {
            "admin": self.admin,
            "sales_manager": self.sales_manager,
            "sales_rep": self.rep,
            "marketing": self.marketing,
            "support_agent": self.agent,
            "support_manager": self.support_manager,
        }


@pytest.fixture
def org(db):
    o = Org()
    o.admin = UserFactory(username="admin1", role="admin")
    o.sales_manager = UserFactory(username="manager1", role="sales_manager")
    o.other_manager = UserFactory(username="manager2", role="sales_manager")
    o.rep = UserFactory(username="rep1", role="sales_rep")
    o.rep_teammate = UserFactory(username="rep1b", role="sales_rep")
    o.other_rep = UserFactory(username="rep2", role="sales_rep")
    o.marketing = UserFactory(username="marketer", role="marketing")
    o.agent = UserFactory(username="agent1", role="support_agent")
    o.other_agent = UserFactory(username="agent2", role="support_agent")
    o.support_manager = UserFactory(username="supportboss", role="support_manager")
    o.team = TeamFactory(name="North", manager=o.sales_manager, members=[o.rep, o.rep_teammate])
    o.other_team = TeamFactory(name="South", manager=o.other_manager, members=[o.other_rep])
    o.queue = TeamFactory(name="Tier 1", kind="support", members=[o.agent])
    o.other_queue = TeamFactory(name="Billing", kind="support", members=[o.other_agent])
    return o


@dataclass
class Records:
    """One record of each kind per side: ours (rep's team / agent's queue) and theirs."""

    account: object
    other_account: object
    contact: object
    other_contact: object
    lead: object
    queue_lead: object
    teammate_lead: object
    other_lead: object
    ticket: object
    other_ticket: object


@pytest.fixture
def records(org):
    account = AccountFactory(owner=org.rep, team=org.team)
    other_account = AccountFactory(owner=org.other_rep, team=org.other_team)
    return Records(
        account=account,
        other_account=other_account,
        contact=ContactFactory(account=account, owner=org.rep, team=org.team),
        other_contact=ContactFactory(
            account=other_account, owner=org.other_rep, team=org.other_team
        ),
        lead=LeadFactory(owner=org.rep, team=org.team),
        queue_lead=LeadFactory(owner=None, team=org.team),
        teammate_lead=LeadFactory(owner=org.rep_teammate, team=org.team),
        other_lead=LeadFactory(owner=org.other_rep, team=org.other_team),
        ticket=TicketFactory(queue=org.queue, account=account),
        other_ticket=TicketFactory(queue=org.other_queue, account=other_account),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self):
        self.messages = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes
        from email.policy import default

        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=default))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count=1, timeout=10.0):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def celery_worker_factory():
    """Start a real Celery worker (in-process thread, Redis broker) when the test asks."""
    from celery.contrib.testing.worker import start_worker

    started = []

    def start():
        ctx = start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10)
        ctx.__enter__()
        started.append(ctx)
        return ctx

    yield start
    for ctx in started:
        ctx.__exit__(None, None, None)


@pytest.fixture
def purge_queue():
    celery_app.control.purge()


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    moment = clock_start()
    if moment is not None:  # the page's Date starts where the server's clock does, and ticks on
        context.clock.install(time=moment)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
