"""Celery tasks of the leads part (registered by ``register.py``; scheduled in settings)."""

from celery import shared_task

from . import scoring


@shared_task(name="sales.leads.tasks.train_lead_scoring")
def train_lead_scoring() -> dict:
    """Nightly: learn from converted vs disqualified leads, then rescore the open leads.
    Idempotent: a rerun trains the same model again and writes the same scores."""
    model = scoring.train()
    rescored = scoring.rescore_open_leads()
    return {"model": model.pk if model else None, "rescored": rescored}
