"""The transactional outbox, end to end: real PostgreSQL transactions, a real Redis broker and
a real Celery worker. A test handler counts its runs in Redis (keyed by event id), so
"handled exactly once" is measured outside the process state of the code under test."""

import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from core import events
from core.models import OutboxEvent
from core.tasks import process_event, relay_pending_events
from crm_site.celery import app as celery_app
from users.models import User

from .conftest import free_port
from .factories import PASSWORD

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOPIC = "test.topic"
SENTINEL = "test.sentinel"
QUEUE = "celery"  # the default queue; a list in the broker's Redis database


def wait_until(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def broker_redis():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    for key in client.scan_iter("test-outbox:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def register():
    """Register outbox handlers for the test; unregistered in teardown."""
    added = []

    def add(topic, func):
        events.handles(topic)(func)
        added.append((topic, func))
        return func

    yield add
    for topic, func in added:
        if func in events._handlers.get(topic, ()):
            events._handlers[topic].remove(func)
        if topic in events._handlers and not events._handlers[topic]:
            del events._handlers[topic]


@pytest.fixture
def counting_handler(register, broker_redis):
    """A handler whose every run INCRs a Redis key named after the event."""

    def count_run(event):
        broker_redis.incr(f"test-outbox:{event.pk}")

    register(TOPIC, count_run)

    def runs(event_id) -> int:
        return int(broker_redis.get(f"test-outbox:{event_id}") or 0)

    return runs


def record_committed(topic=TOPIC, payload=None) -> OutboxEvent:
    with transaction.atomic():
        return events.record(topic, payload or {})


def processed(event_id) -> bool:
    return OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=False).exists()


def drain():
    """Publish a sentinel event and wait until the worker handled it. The queue is FIFO and
    the solo worker runs one task at a time, so every message queued before it is done."""
    sentinel = record_committed(SENTINEL)
    assert wait_until(lambda: processed(sentinel.pk)), "the worker did not drain the queue"


def back_date(event_id, seconds=60):
    OutboxEvent.objects.filter(pk=event_id).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def reset_producer_pool():
    """Celery caches its broker connection pool; drop the reference (kombu keeps the pool,
    keyed by URL, for when the URL is restored) so a pooled publish uses ``broker_url``."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_at(url):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    reset_producer_pool()
    try:
        yield
    finally:
        celery_app.conf.broker_url = original
        reset_producer_pool()


def broker_unreachable():
    return broker_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there


@contextmanager
def broker_silent():
    """A "broker" that accepts TCP connections and never answers (a hung Redis, a half-open
    connection through a dead load balancer): the kernel completes the handshakes."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        with broker_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0"):
            yield


def test_rolled_back_event_leaves_no_row_and_is_never_handled(
    purge_queue, counting_handler, broker_redis, celery_worker_factory
):
    with pytest.raises(RuntimeError, match="changed my mind"), transaction.atomic():
        event_id = events.record(TOPIC, {"n": 1}).pk
        raise RuntimeError("changed my mind")

    assert not OutboxEvent.objects.filter(pk=event_id).exists()
    assert broker_redis.llen(QUEUE) == 0  # nothing was published
    assert relay_pending_events() == 0  # and there is nothing for the sweeper

    celery_worker_factory()
    drain()
    assert counting_handler(event_id) == 0


def test_event_written_without_a_worker_is_handled_once_when_one_starts(
    purge_queue, counting_handler, broker_redis, celery_worker_factory
):
    event = record_committed(payload={"n": 2})

    assert broker_redis.llen(QUEUE) == 1  # published on commit, waiting for a worker
    time.sleep(0.3)
    event.refresh_from_db()
    assert event.processed_at is None
    assert counting_handler(event.pk) == 0

    celery_worker_factory()
    assert wait_until(lambda: processed(event.pk))
    drain()

    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.attempts == 1
    assert event.last_error == ""
    assert counting_handler(event.pk) == 1
    assert broker_redis.llen(QUEUE) == 0


def test_event_published_twice_is_handled_once(
    purge_queue, counting_handler, broker_redis, celery_worker_factory
):
    event = record_committed(payload={"n": 3})
    back_date(event.pk)  # as if the relay's grace period had passed with the message unread

    assert relay_pending_events() == 1  # the sweeper publishes it a second time
    assert broker_redis.llen(QUEUE) == 2

    celery_worker_factory()
    drain()

    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.attempts == 1
    assert counting_handler(event.pk) == 1
    assert relay_pending_events() == 0  # nothing pending any more


def test_concurrent_deliveries_of_one_event_run_the_handler_once(register, broker_redis):
    """Two workers receive the same event at the same moment: the row lock lets one in."""
    entered = threading.Event()

    def slow_handler(event):
        broker_redis.incr(f"test-outbox:{event.pk}")
        entered.set()
        time.sleep(0.5)  # hold the row lock while the other delivery arrives

    register(TOPIC, slow_handler)
    event = record_committed(payload={"n": 4})
    results = []

    def deliver():
        try:
            results.append(process_event(event.pk))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=deliver)
    second.start()
    first.join(10)
    second.join(10)

    assert sorted(results) == [False, True]
    assert int(broker_redis.get(f"test-outbox:{event.pk}")) == 1
    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.attempts == 1


def test_failing_handler_leaves_event_pending_and_rolls_back_its_writes(
    purge_queue, register, broker_redis, celery_worker_factory
):
    def failing_handler(event):
        Account.objects.create(name=f"written by handler {event.pk}")
        raise RuntimeError("mail server said no")

    register(TOPIC, failing_handler)
    event = record_committed(payload={"n": 5})
    celery_worker_factory()

    assert wait_until(lambda: OutboxEvent.objects.get(pk=event.pk).attempts >= 1)
    event.refresh_from_db()
    assert event.processed_at is None
    assert event.attempts == 1
    assert "mail server said no" in event.last_error
    assert not Account.objects.filter(name=f"written by handler {event.pk}").exists()
    assert event.pk in events.pending_ids(older_than=timedelta(0))

    # Once the cause is gone, the sweeper delivers it; it is handled once.
    events._handlers[TOPIC].remove(failing_handler)
    register(TOPIC, lambda event: broker_redis.incr(f"test-outbox:{event.pk}"))
    back_date(event.pk)
    assert relay_pending_events() == 1
    assert wait_until(lambda: processed(event.pk))
    drain()
    event.refresh_from_db()
    assert event.attempts == 2
    assert int(broker_redis.get(f"test-outbox:{event.pk}")) == 1
    assert not Account.objects.filter(name=f"written by handler {event.pk}").exists()


def test_broker_down_at_commit_does_not_fail_the_request_and_relay_delivers_later(
    client, org, purge_queue, register, broker_redis, smtp_server, celery_worker_factory
):
    invited = []
    register("user.invited", lambda event: invited.append(event.pk))
    response = client.post(
        "/login/", {"username": org.admin.username, "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == org.admin

    with broker_unreachable():
        started = time.monotonic()
        response = client.post(
            "/admin-ui/users/add/",
            {
                "username": "newbie",
                "first_name": "New",
                "last_name": "Colleague",
                "email": "newbie@example.com",
                "role": "sales_rep",
                "is_active": "on",
            },
        )
        elapsed = time.monotonic() - started

    assert response.status_code == 302, response.content.decode()[:2000]
    assert elapsed < settings.OUTBOX_PUBLISH_TIMEOUT + 2, f"the request hung {elapsed:.1f}s"
    user = User.objects.get(username="newbie")  # the change committed
    assert not user.has_usable_password()
    event = OutboxEvent.objects.get(topic="user.invited", payload__user_id=user.pk)
    assert event.processed_at is None
    assert broker_redis.llen(QUEUE) == 0  # never reached the broker

    celery_worker_factory()
    back_date(event.pk)
    assert relay_pending_events() == 1
    assert wait_until(lambda: processed(event.pk))
    drain()

    assert invited == [event.pk]
    messages = smtp_server.wait_for(1)
    time.sleep(0.2)
    assert len(messages) == 1
    assert messages[0]["To"] == "newbie@example.com"
    assert messages[0]["Subject"] == "Your CRM account is ready"


def test_silent_broker_at_commit_does_not_hang_the_writer(purge_queue, counting_handler):
    with broker_silent():
        started = time.monotonic()
        event = record_committed(payload={"n": 6})
        elapsed = time.monotonic() - started
        assert relay_pending_events() == 0  # not yet due; and nothing hangs

    assert elapsed < settings.OUTBOX_PUBLISH_TIMEOUT + 2, f"the commit hung {elapsed:.1f}s"
    event.refresh_from_db()
    assert event.processed_at is None  # pending: the sweeper publishes it later
    back_date(event.pk)
    assert events.pending_ids(older_than=timedelta(seconds=10)) == [event.pk]
