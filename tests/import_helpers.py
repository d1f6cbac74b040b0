"""Helpers shared by the import tests (``test_imports_wizard``, ``test_imports_worker``):
upload a file through the wizard, or create a job that is already mapped."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from imports.parsing import inspect


def login(client, user):
    client.force_login(user)


def upload(client, content: bytes, name="contacts.csv", kind="contact"):
    response = client.post(
        reverse("imports:index"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content[:2000]
    return ImportJob.objects.latest("pk")


def mapped_job(user, content: bytes, name="contacts.csv", kind="contact", mapping=None):
    from imports.fields import guess_mapping
    from imports.parsing import read_table

    facts = inspect(name, content)
    job = ImportJob.objects.create(user=user, kind=kind, file_name=name, data=content, **facts)
    _headers, rows = read_table(content, file_format=job.file_format, encoding=job.encoding,
                                delimiter=job.delimiter)  # fmt: skip
    job.mapping = mapping or guess_mapping(kind, job.headers, [row for _n, row in rows])
    job.status = ImportJob.Status.MAPPED
    job.save()
    return job
