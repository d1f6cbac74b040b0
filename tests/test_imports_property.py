"""The import wizard never answers 500: random bytes, random CSVs in random encodings and
random mappings go through its pages (upload, mapping, preview, dry run, job page) and each
step gives a form error or a job — never a server error. The test client re-raises any
exception a view lets through, so one would fail the example."""

import codecs
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.fields import targets
from imports.models import ImportJob

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    # a fixed number of examples (about 35 s for the three tests); more to hunt:
    # IMPORT_PROPERTY_EXAMPLES=500
    max_examples=int(os.environ.get("IMPORT_PROPERTY_EXAMPLES", 20)),
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
             "utf-32-be", "cp1252", "latin-1")  # fmt: skip
NAMES = ("f.csv", "f.txt", "f.tsv", "f.xlsx", "f")
# Cells: any text, NULs, quotes, separators, line breaks, neutralised formulas, dates
# both ways, numbers in several notations.
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            '"',
            '""',
            "a,b",
            "a;b",
            "a\tb",
            "a\nb",
            "\x00",
            "'=1+1",
            "'+41 44",
            "07/04/1980",
            "31/12/1980",
            "12/31/1980",
            "1980-07-04",
            "1.234,50",
            "1e9999",
            "NaN",
            "-5",
            "yes",
            "no",
            "company",
            "household",
            "x" * 300,
            "a@b.c",
            "not an email",
            "http://",
            "99999999999999999999",
        ]
    ),  # fmt: skip
)


def _upload(client, kind, name, content):
    response = client.post(
        reverse("imports:index"), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors  # said why
        return None
    return ImportJob.objects.latest("pk")


def _walk(client, job, data):
    """The rest of the wizard with a random mapping: a form error or the next step."""
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert page.status_code == 200
    choices = ["", *job.headers, "no such column"]
    mapping = {t.name: data.draw(st.sampled_from(choices)) for t in targets(job.kind)}
    mapping["date_order"] = data.draw(st.sampled_from(["", "dmy", "mdy", "ydm"]))
    response = client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        return
    assert client.get(reverse("imports:job_preview", args=[job.pk])).status_code == 200
    assert client.post(reverse("imports:job_dry_run", args=[job.pk])).status_code == 302
    assert client.get(reverse("imports:job_detail", args=[job.pk])).status_code == 200


@PROPERTY
@given(
    content=st.binary(max_size=3000),
    name=st.sampled_from(NAMES),
    kind=st.sampled_from(["contact", "account"]),
    data=st.data(),
)
def test_random_bytes(client, org, content, name, kind, data):
    client.force_login(org.rep)
    job = _upload(client, kind, name, content)
    if job is not None:
        _walk(client, job, data)


@PROPERTY
@given(
    headers=st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                [
                    "Last name",
                    "LASTNAME",
                    "Name",
                    "Email",
                    "Birthday",
                    "Type",
                    "Kind",
                    "Parent",
                    "Employees",
                    "ANNUALREVENUE",
                    "ID",
                    "Tags",
                    "Website",
                    "Email opt-in",
                ]
            ),
        ),
        min_size=1,
        max_size=8,
    ),  # fmt: skip
    rows=st.lists(st.lists(CELL, max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(ENCODINGS),
    bom=st.booleans(),
    kind=st.sampled_from(["contact", "account"]),
    data=st.data(),
)
def test_random_csv_in_random_encodings(client, org, headers, rows, delimiter, encoding, bom,
                                        kind, data):  # fmt: skip
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    content = buffer.getvalue().encode(encoding, errors="replace")
    if bom and encoding in ("utf-16-le", "utf-32-be"):
        content = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-32-be": codecs.BOM_UTF32_BE}[
            encoding
        ] + content
    client.force_login(org.rep)
    job = _upload(client, kind, "random.csv", content)
    if job is not None:
        _walk(client, job, data)


@PROPERTY
@given(data=st.data())
def test_random_mappings_of_a_good_file(client, org, data):
    content = (
        b"ID,Name,Last name,Email,Birthday,Type,Parent,Employees,Tags,Website\n"
        b'1,Acme,Lee,a@example.com,07/04/1980,company,Acme,12,"a,b",acme.example\n'
        b"x,Beta,,bad,31/12/1980,Partner,,-3,,http://\n"
    )
    client.force_login(org.rep)
    job = _upload(client, data.draw(st.sampled_from(["contact", "account"])), "g.csv", content)
    _walk(client, job, data)
