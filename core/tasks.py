"""Celery tasks of the shared layer: thin wrappers around ``core.events``."""

from datetime import timedelta

from celery import shared_task

from . import events


@shared_task(bind=True, max_retries=8, acks_late=True)
def process_event(self, event_id: int) -> bool:
    try:
        return events.process(event_id)
    except Exception as exc:
        events.note_failure(event_id, repr(exc))
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 600)) from exc


@shared_task
def relay_pending_events() -> int:
    """Beat: publish events still pending after a grace period (broker was down, worker died).

    Returns how many were published; stops at the first failure (the broker is down)."""
    ids = events.pending_ids(older_than=timedelta(seconds=10))
    published = 0
    with events.publish_connection() as connection:
        for event_id in ids:
            if not events.publish(event_id, connection=connection):
                break  # broker unreachable: the next run tries again
            published += 1
    return published
