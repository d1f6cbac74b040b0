"""Saved filters: per user, just GET parameters re-validated by the list's filterset; and the
accounts filters of the example "My accounts in Milan with no contact in 90 days"."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Activity
from core.models import SavedFilter
from sales.models import Lead

from .factories import AccountFactory, LeadFactory

pytestmark = pytest.mark.django_db
ACCOUNTS = "accounts:account_list"


def save(client, name, query, list_key=ACCOUNTS):
    return client.post(
        reverse("core:saved_filter_save"), {"list_key": list_key, "name": name, "query": query}
    )


def test_save_and_apply_my_accounts_in_milan_without_recent_contact(client, org):
    quiet = AccountFactory(name="Quiet Milan", billing_city="Milan", owner=org.rep)
    busy = AccountFactory(name="Busy Milan", billing_city="Milan", owner=org.rep)
    old = AccountFactory(name="Old Milan", billing_city="milan", owner=org.rep)
    AccountFactory(name="Rome", billing_city="Rome", owner=org.rep)
    AccountFactory(name="Not mine", billing_city="Milan", owner=org.other_rep)
    now = timezone.now()
    Activity.objects.create(subject="Call", account=busy, starts_at=now - timedelta(days=10))
    Activity.objects.create(subject="Call", account=old, starts_at=now - timedelta(days=200))
    Activity.objects.create(subject="Future", account=quiet, starts_at=now + timedelta(days=5))
    client.force_login(org.rep)

    response = save(
        client, "My accounts in Milan, quiet", "billing_city=Milan&mine=true&no_activity_days=90"
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=org.rep)
    assert saved.list_key == ACCOUNTS

    page = client.get(reverse(ACCOUNTS)).content.decode()
    assert "My accounts in Milan, quiet" in page
    applied = client.get(reverse("core:saved_filter_apply", args=[saved.pk]))
    assert applied.status_code == 302
    listed = client.get(applied["Location"]).content.decode()
    assert quiet.get_absolute_url() in listed and old.get_absolute_url() in listed
    assert busy.get_absolute_url() not in listed
    assert "Not mine" not in listed and ">Rome<" not in listed


def test_saved_filters_are_per_user(client, org):
    mine = SavedFilter.objects.create(
        user=org.rep, list_key=ACCOUNTS, name="Mine", query="mine=true"
    )
    client.force_login(org.other_rep)

    assert "Mine</a>" not in client.get(reverse(ACCOUNTS)).content.decode()
    assert client.get(reverse("core:saved_filter_apply", args=[mine.pk])).status_code == 404
    url = reverse("core:saved_filter_delete", args=[mine.pk])
    assert client.post(url).status_code == 404
    assert SavedFilter.objects.filter(pk=mine.pk).exists()

    client.force_login(org.rep)
    assert client.post(url).status_code == 302
    assert not SavedFilter.objects.filter(pk=mine.pk).exists()


def test_delete_needs_post(client, org):
    mine = SavedFilter.objects.create(user=org.rep, list_key=ACCOUNTS, name="x", query="mine=true")
    client.force_login(org.rep)
    assert client.get(reverse("core:saved_filter_delete", args=[mine.pk])).status_code == 405


def test_same_name_updates_names_are_unique_per_list(client, org):
    client.force_login(org.rep)
    save(client, "Italy", "billing_country=Italy")
    save(client, "Italy", "billing_country=Italy&mine=true")
    save(client, "Italy", "q=acme", list_key="accounts:contact_list")
    assert SavedFilter.objects.filter(user=org.rep).count() == 2
    saved = SavedFilter.objects.get(user=org.rep, list_key=ACCOUNTS)
    assert parse_qs(saved.query) == {"billing_country": ["Italy"], "mine": ["true"]}


def test_only_filter_parameters_are_kept_and_lists_must_exist(client, org):
    client.force_login(org.rep)
    save(client, "Odd", "billing_country=Italy&page=3&export=csv&evil=1&sort=-name")
    assert parse_qs(SavedFilter.objects.get(name="Odd").query) == {
        "billing_country": ["Italy"],
        "sort": ["-name"],
    }
    for key in ("nope:nothing", "accounts:account_detail", "core:search", ""):
        assert save(client, "Bad", "q=x", list_key=key).status_code == 404, key
    assert not SavedFilter.objects.filter(name="Bad").exists()


def test_applying_revalidates_and_never_bypasses_access(client, org, records):
    # Stored before (or tampered with in the database): values the filterset refuses.
    tampered = SavedFilter.objects.create(
        user=org.rep,
        list_key="sales:lead_list",
        name="Other team",
        query=f"team={org.other_team.pk}&owner={org.other_rep.pk}&status=bogus&x=1",
    )
    client.force_login(org.rep)
    location = client.get(reverse("core:saved_filter_apply", args=[tampered.pk]))["Location"]
    assert "x=1" not in location
    response = client.get(location)
    assert response.status_code == 200
    page = response.content.decode()
    assert records.other_lead.get_absolute_url() not in page  # access still applies
    assert "bogus is not one of the available choices" in page  # the filterset re-validates

    # a list the user may not open stays closed
    marketing_filter = SavedFilter.objects.create(
        user=org.marketing, list_key="sales:lead_list", name="Leads", query="status=new"
    )
    client.force_login(org.marketing)
    location = client.get(reverse("core:saved_filter_apply", args=[marketing_filter.pk]))
    assert client.get(location["Location"]).status_code == 403


def test_no_activity_days_is_validated(client, org):
    AccountFactory(name="Any")
    client.force_login(org.rep)
    for bad in ("0", "-5", "abc", "99999999"):
        response = client.get(reverse(ACCOUNTS), {"no_activity_days": bad})
        assert response.status_code == 200, bad


def test_save_control_and_dropdown_on_every_generic_list(client, org):
    SavedFilter.objects.create(
        user=org.rep, list_key="sales:lead_list", name="Fresh", query="status=new"
    )
    LeadFactory(owner=org.rep, team=org.team)
    client.force_login(org.rep)
    page = client.get(reverse("sales:lead_list"), {"status": "new"}).content.decode()
    assert 'name="list_key" value="sales:lead_list"' in page
    assert "Save this filter" in page
    assert "Fresh</a>" in page
    assert Lead.objects.exists() and Account.objects.count() >= 0


def test_saving_redirects_to_the_filtered_list(client, org):
    client.force_login(org.rep)
    response = save(client, "Italy", "billing_country=Italy")
    parts = urlsplit(response["Location"])
    assert parts.path == reverse(ACCOUNTS)
    assert parse_qs(parts.query) == {"billing_country": ["Italy"]}
