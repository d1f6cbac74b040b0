"""The transactional outbox.

Services call ``record(topic, payload)`` inside their transaction. The event row commits or
rolls back with the change that caused it. After commit it is published to Celery; if the
broker is unreachable the beat sweeper (``relay_pending_events``) publishes it later.

Apps subscribe with ``@handles("topic")``. A handler runs inside the transaction that marks
the event processed, under a row lock: its database effects happen exactly once. A handler
with outside effects (e-mail, webhooks) must make them idempotent itself (a unique key per
event), because a crash after the send and before the commit re-runs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
MAX_ATTEMPTS = 10  # after that an event stays pending with its last_error, for a human
_handlers: dict[str, list[Handler]] = defaultdict(list)


def handles(topic: str):
    """Register a handler for a topic (import-time, from an app's ``handlers`` module)."""

    def register(func: Handler) -> Handler:
        _handlers[topic].append(func)
        return func

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))


def record(topic: str, payload: dict | None = None, *, delay: float = 0) -> OutboxEvent:
    """Write an event in the caller's transaction; publish it once that transaction commits.

    ``delay`` (seconds) holds the task back that long after the commit: for work a burst of
    changes should do once, its handler skipping while a later event of the same kind waits
    (see ``later_pending``). The relay still picks it up if the broker was down."""
    event = OutboxEvent.objects.create(topic=topic, payload=payload or {})
    transaction.on_commit(lambda: publish(event.pk, countdown=delay))
    return event


def later_pending(event: OutboxEvent, **payload) -> bool:
    """Is a later event of the same topic (with these payload values) still to be processed?
    Its handler will then do the work with the data as it will be: this one can skip it."""
    return OutboxEvent.objects.filter(
        topic=event.topic,
        pk__gt=event.pk,
        processed_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        **{f"payload__{key}": value for key, value in payload.items()},
    ).exists()


def publish_connection():
    """A broker connection that gives up within ``OUTBOX_PUBLISH_TIMEOUT`` seconds.

    Publishing runs in web requests (on commit). Celery's pooled connection would retry a
    refused connection for seconds (kombu's reconnect loop) and, with no socket timeout, wait
    forever on a broker that accepts but does not answer. One attempt, short timeouts.
    """
    from .tasks import process_event

    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    return process_event.app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
    )


def publish(event_id: int, connection=None, *, countdown: float = 0) -> bool:
    """Hand the event to Celery. Never raises: a pending event is swept up later."""
    from .tasks import process_event

    options = {"args": [event_id], "retry": False}
    if countdown:
        options["countdown"] = countdown
    try:
        if connection is None:
            with publish_connection() as conn:
                process_event.apply_async(connection=conn, **options)
        else:
            process_event.apply_async(connection=connection, **options)
    except Exception:  # noqa: BLE001 - broker down: the sweeper will publish it
        log.warning("Outbox event %s not published now; the relay will retry", event_id)
        return False
    return True


def process(event_id: int) -> bool:
    """Run the handlers of one event, once. Returns False when there was nothing to do."""
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:  # done already, or another worker holds it right now
            return False
        for handler in handlers_for(event.topic):
            handler(event)
        event.processed_at = timezone.now()
        event.attempts += 1
        event.save(update_fields=["processed_at", "attempts"])
    return True


def note_failure(event_id: int, error: str) -> None:
    OutboxEvent.objects.filter(pk=event_id).update(
        attempts=F("attempts") + 1, last_error=error[:2000]
    )


def pending_ids(older_than: timedelta, limit: int = 500) -> list[int]:
    cutoff = timezone.now() - older_than
    return list(
        OutboxEvent.objects.filter(
            processed_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
