"""The import wizard (upload → mapping → preview → dry run → import with a progress bar),
vCard import and export."""

from __future__ import annotations

from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Account, Contact
from core import access
from core.access import Action

from . import conversion, fields, services, vcard
from .forms import MappingForm, UploadForm, VCardUploadForm
from .models import DateOrder, ImportJob, ImportMapping, ImportRowError, Kind
from .parsing import DELIMITER_NAMES, FileError, inspect, read_table

MODELS = {Kind.CONTACT: Contact, Kind.ACCOUNT: Account}
INLINE_DRY_RUN_ROWS = 300  # small files are checked in the request; larger ones in the worker
PREVIEW_ROWS = 10
GUESS_ROWS = 500  # a choice field is guessed from a column only if these rows all fit it


def may_import(user, kind: str | None = None) -> bool:
    if kind:
        return MODELS[kind].access.can_add(user)
    return any(model.access.can_add(user) for model in MODELS.values())


def _check(user, kind: str | None = None) -> None:
    if not may_import(user, kind):
        raise PermissionDenied


def _job(request, pk) -> ImportJob:
    """The user's own job (or any, for administrators); others' answer 404."""
    _check(request.user)
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    _check(request.user, job.kind)
    return job


@login_required
def index(request):
    _check(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        _check(request.user, kind)
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            facts = inspect(upload.name, raw)
        except FileError as exc:
            form.add_error("file", str(exc))
        else:
            if not facts["total_rows"]:
                form.add_error("file", _("The file has column names but no rows."))
            else:
                job = ImportJob.objects.create(
                    user=request.user, kind=kind, file_name=upload.name[:255], data=raw, **facts
                )
                return redirect("imports:job_mapping", job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("user").defer("data")[:20]
    return render(request, "imports/index.html", {"form": form, "jobs": jobs})


def _initial_mapping(job: ImportJob) -> tuple[dict, str]:
    if job.mapping:
        return {**job.mapping, "date_order": job.date_order}, "saved"
    remembered = ImportMapping.objects.filter(
        user=job.user, kind=job.kind, signature=fields.header_signature(job.kind, job.headers)
    ).first()
    if remembered:
        headers = set(job.headers)
        return {k: v for k, v in remembered.mapping.items() if v in headers}, "remembered"
    rows = [row for _number, row in _sample_rows(job, GUESS_ROWS)]
    return fields.guess_mapping(job.kind, job.headers, rows), "guessed"


def _rows(job: ImportJob):
    _headers, rows = read_table(
        bytes(job.data), file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter
    )
    return rows


def _sample_rows(job: ImportJob, n: int) -> list[tuple[int, dict]]:
    return list(islice(_rows(job), n))


def _date_order_of(job: ImportJob):
    """How the columns given write their day/month dates, read from every row of the file."""

    def detect(headers: list[str]) -> str:
        values = (row.get(h, "") for _number, row in _rows(job) for h in headers)
        return conversion.detect_date_order(values)

    return detect


def _file_description(job: ImportJob) -> str:
    if job.file_format == ImportJob.Format.XLSX:
        return _("Excel")
    return _("CSV, %(encoding)s, separated by %(delimiter)s") % {
        "encoding": job.encoding,
        "delimiter": DELIMITER_NAMES.get(job.delimiter, DELIMITER_NAMES[","]),
    }


@login_required
def job_mapping(request, pk):
    job = _job(request, pk)
    if job.is_active or job.status == ImportJob.Status.DONE:
        return redirect(job)
    initial, origin = _initial_mapping(job)
    form = MappingForm(
        request.POST or None,
        kind=job.kind,
        headers=job.headers,
        initial=initial,
        date_order_of=_date_order_of(job),
    )
    if request.method == "POST" and form.is_valid():
        job.mapping = form.mapping()
        job.date_order = form.cleaned_data.get("date_order", "")
        job.status = ImportJob.Status.MAPPED
        job.dry_run_summary = {}
        job.save(update_fields=["mapping", "date_order", "status", "dry_run_summary"])
        ImportMapping.objects.update_or_create(
            user=request.user,
            kind=job.kind,
            signature=fields.header_signature(job.kind, job.headers),
            defaults={"mapping": job.mapping},
        )
        return redirect("imports:job_preview", job.pk)
    samples = _sample_rows(job, 3)
    rows = []
    for field in form.target_fields():
        header = field.value() or ""
        example = next((r[header] for _n, r in samples if header and r.get(header)), "")
        rows.append((field, example))
    detected = ""
    if "date_order" in form.fields and not form.is_bound:
        headers = form.date_headers(initial)
        detected = _date_order_of(job)(headers) if headers else ""
    return render(
        request,
        "imports/mapping.html",
        {
            "job": job,
            "form": form,
            "rows": rows,
            "origin": origin,
            "samples": samples,
            "headers": [h for h in job.headers if h],
            "file_description": _file_description(job),
            "date_field": form["date_order"] if "date_order" in form.fields else None,
            "detected_date_order": (
                DateOrder(detected).label if detected in DateOrder.values else ""
            ),
            "dates_ambiguous": detected in (conversion.AMBIGUOUS, conversion.MIXED),
        },
    )


@login_required
def job_preview(request, pk):
    job = _job(request, pk)
    if not job.mapping:
        return redirect("imports:job_mapping", job.pk)
    columns = [t for t in fields.targets(job.kind) if t.name in job.mapping]
    preview = []
    for number, row in _sample_rows(job, PREVIEW_ROWS):
        try:
            values = conversion.convert(job.kind, job.mapping, row, date_order=job.date_order)
            errors = {}
        except conversion.RowErrors as exc:
            values, errors = {}, dict(exc.errors)
        cells = []
        for t in columns:
            raw = row.get(job.mapping[t.name], "")
            value = values.get(t.name, raw)
            if isinstance(value, list):
                value = ", ".join(value)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append({"value": value, "error": errors.get(t.name, "")})
        preview.append({"number": number, "cells": cells, "errors": errors})
    dates = [t for t in columns if t.type == "date"]
    return render(
        request,
        "imports/preview.html",
        {
            "job": job,
            "columns": columns,
            "preview": preview,
            "date_order": DateOrder(job.date_order).label if dates and job.date_order else "",
        },
    )


@login_required
@require_POST
def job_dry_run(request, pk):
    from .tasks import dry_run_job

    job = _job(request, pk)
    if job.is_active or job.status == ImportJob.Status.DONE or not job.mapping:
        return redirect(job)
    if job.total_rows <= INLINE_DRY_RUN_ROWS:
        try:
            services.dry_run(job.pk)
        except FileError as exc:
            messages.error(request, str(exc))
        return redirect(job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATING, dry_run_summary={}
    )
    transaction.on_commit(lambda: dry_run_job.delay(job.pk))
    return redirect(job)


@login_required
@require_POST
def job_start(request, pk):
    from .tasks import run_import_job

    job = _job(request, pk)
    if job.is_active or job.status == ImportJob.Status.DONE or not job.mapping:
        return redirect(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    messages.info(request, "The import runs in the background; you may leave this page.")
    return redirect(job)


def _detail_context(job: ImportJob) -> dict:
    phase = (
        ImportRowError.Phase.IMPORT
        if job.status in (ImportJob.Status.RUNNING, ImportJob.Status.DONE, ImportJob.Status.FAILED)
        else ImportRowError.Phase.DRY_RUN
    )
    problems = job.row_errors.filter(phase=phase)
    labels = {t.name: t.label for t in fields.targets(job.kind)}
    shown = list(problems[:500])
    for problem in shown:
        problem.field = labels.get(problem.field, problem.field)
    return {
        "job": job,
        "phase": phase,
        "problems": shown,
        "problem_count": problems.count(),
        "can_start": not job.is_active and job.status != ImportJob.Status.DONE and job.mapping,
    }


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    return render(request, "imports/job_detail.html", _detail_context(job))


@login_required
@require_GET
def job_progress(request, pk):
    job = _job(request, pk)
    response = render(request, "imports/_progress.html", {"job": job})
    if request.htmx and not job.is_active and request.GET.get("was") == "active":
        response["HX-Refresh"] = "true"  # finished: show the report
    return response


# -- vCard -----------------------------------------------------------------------------------
@login_required
def vcard_import(request):
    _check(request.user, Kind.CONTACT)
    form = VCardUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = vcard.import_vcards(upload.read(), user=request.user, source=upload.name)
        if not result.cards:
            form.add_error("file", "No vCard found in this file.")
    return render(request, "imports/vcard.html", {"form": form, "result": result})


@login_required
def vcard_export(request, pk):
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=pk)
    access.check(request.user, contact, Action.VIEW)
    body = vcard.export_vcard(contact)
    response = HttpResponse(body, content_type="text/vcard; charset=utf-8")
    filename = vcard.filename_for(contact)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
