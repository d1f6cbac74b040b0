"""`manage.py load_demo`: idempotent, reads the shared data sets, and gives the demo rep a
non-empty "My day" through the activity service (so every activity is on the timeline)."""

import csv
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Activity, Contact, TimelineEntry
from core.management.commands import load_demo
from sales.models import Lead
from service.models import Ticket
from users.models import Team, TeamMembership, User

pytestmark = pytest.mark.django_db(transaction=False)

MODELS = [User, Team, TeamMembership, Account, Contact, Activity, TimelineEntry, Lead, Ticket]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_data_reads_shared_data_dir():
    shared = Path(settings.SHARED_DATA_DIR)
    if "SHARED_DATA_DIR" not in os.environ:
        assert shared == Path(settings.BASE_DIR).parent / "shared" / "data"  # ../shared/data
    assert shared / "maven_crm_sales" == load_demo.MAVEN
    assert (load_demo.MAVEN / "accounts.csv").is_file()


def test_load_demo_twice_creates_no_duplicates():
    call_command("load_demo", verbosity=0)
    first = counts()
    assert first["Account"] > 0 and first["Contact"] > 0 and first["Activity"] > 0

    call_command("load_demo", verbosity=0)
    assert counts() == first

    # The accounts are the Maven file's, read through settings.SHARED_DATA_DIR.
    with (Path(settings.SHARED_DATA_DIR) / "maven_crm_sales" / "accounts.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        names = {row["account"] for row in csv.DictReader(fh)}
    assert set(Account.objects.values_list("name", flat=True)) == names

    # Natural keys: nothing doubled.
    ids = list(Activity.objects.values_list("external_id", flat=True))
    assert all(i and i.startswith("demo:") for i in ids) and len(ids) == len(set(ids))
    emails = list(Contact.objects.values_list("email", flat=True))
    assert len(emails) == len(set(emails))

    # Every activity went through activity_save: one timeline entry each, owner assigned.
    activity_type = ContentType.objects.get_for_model(Activity)
    assert TimelineEntry.objects.filter(subject_type=activity_type).count() == len(ids)
    assert not Activity.objects.filter(assigned_to__isnull=True).exists()
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {"call", "meeting", "task", "note", "email"} <= kinds
    now = timezone.now()
    assert Activity.objects.filter(starts_at__lt=now).exists()
    assert Activity.objects.filter(starts_at__gt=now).exists()

    # "My day" of the demo rep is not empty: overdue open tasks.
    anna = User.objects.get(username=load_demo.DEMO_REP)
    overdue = Activity.objects.filter(
        assigned_to=anna, kind="task", done=False, starts_at__lt=now - timedelta(days=1)
    )
    assert overdue.count() >= 2
