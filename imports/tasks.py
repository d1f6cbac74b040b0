"""Imports run in the worker. Tasks are acknowledged late and idempotent: a redelivered or
retried task resumes after the job's row cursor."""

import logging

from celery import shared_task
from django.utils import timezone

from . import services
from .models import ImportJob
from .parsing import FileError

log = logging.getLogger(__name__)


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )


@shared_task(bind=True, acks_late=True, max_retries=5)
def run_import_job(self, job_id: int) -> int:
    try:
        job = services.run_import(job_id)
    except ImportJob.DoesNotExist:
        return 0
    except FileError as exc:
        _fail(job_id, str(exc))
        return 0
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            _fail(job_id, f"Stopped after {self.max_retries} retries: {exc!r}")
            raise
        log.warning("Import job %s interrupted, will resume: %r", job_id, exc)
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 300)) from exc
    return job.processed_rows


@shared_task(bind=True, acks_late=True, max_retries=3)
def dry_run_job(self, job_id: int) -> dict:
    try:
        return services.dry_run(job_id)
    except ImportJob.DoesNotExist:
        return {}
    except FileError as exc:
        _fail(job_id, str(exc))
        return {}
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            _fail(job_id, f"Dry run stopped after {self.max_retries} retries: {exc!r}")
            raise
        raise self.retry(exc=exc, countdown=5) from exc
