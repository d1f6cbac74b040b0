"""`manage.py generate_scale_data` (small sizes) and the deep-page path of the generic list."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, Max

from accounts.models import Account, Activity, Contact, TimelineEntry
from core.views import generic

from .factories import ContactFactory

pytestmark = pytest.mark.django_db


def generate(**sizes):
    args = {"accounts": 20, "contacts": 150, "activities": 400, "hot_activities": 100}
    args.update(sizes)
    call_command("generate_scale_data", verbosity=0, **args)


def test_generates_linked_rows_once(org):
    generate()
    assert Account.objects.filter(external_id__startswith="gen:1:").count() == 20
    assert Contact.objects.filter(external_id__startswith="gen:1:").count() == 150
    activities = Activity.objects.filter(external_id__startswith="gen:1:")
    assert activities.count() == 400
    # Owners and teams are the existing sales reps and their teams.
    reps = {org.rep.pk, org.rep_teammate.pk, org.other_rep.pk}
    assert set(Account.objects.exclude(owner=None).values_list("owner", flat=True)) <= reps
    assert not Contact.objects.filter(team=None).exists()
    # One customer timeline entry per activity, on the activity's account and contact.
    entries = TimelineEntry.objects.filter(subject_type=ContentType.objects.get_for_model(Activity))
    assert entries.count() == 400
    assert set(entries.values_list("access_kind", flat=True)) == {"customer"}
    one = activities.exclude(account=None).first()
    entry = entries.get(subject_id=one.pk)
    assert (entry.account_id, entry.contact_id, entry.kind) == (
        one.account_id, one.contact_id, one.kind,
    )  # fmt: skip
    # Done activities have a done time (the model's check constraint), and one account has most.
    assert not activities.filter(done=True, done_at=None).exists()
    top = activities.values("account").order_by().annotate(n=Count("pk")).order_by("-n")[0]
    assert top["n"] >= 100

    # A second run does nothing; --force adds a second batch.
    generate()
    assert Contact.objects.count() == 150
    generate(force=True, contacts=10, accounts=2, activities=5, hot_activities=1)
    assert Contact.objects.filter(external_id__startswith="gen:2:").count() == 10
    # Sequences moved past the copied ids: the ORM inserts again.
    copied = Contact.objects.filter(external_id__startswith="gen:").aggregate(m=Max("pk"))["m"]
    assert ContactFactory().pk > copied


def test_deep_list_pages_read_ids_first(org, client, monkeypatch):
    """Past DEFERRED_JOIN_FROM rows a page is two queries and the very same rows."""
    ContactFactory.create_batch(60)
    client.force_login(org.rep)
    expected = list(
        Contact.objects.order_by("last_name", "first_name").values_list("pk", flat=True)[50:60]
    )
    shallow = client.get("/contacts/?per_page=25&page=3")
    monkeypatch.setattr(generic, "DEFERRED_JOIN_FROM", 25)
    deep = client.get("/contacts/?per_page=25&page=3")
    for response in (shallow, deep):
        assert response.status_code == 200
        rows = [r.record.pk for r in response.context["table"].page.object_list]
        assert rows == expected
