"""Merging two accounts or two contacts through the merge page: every related record moves,
conflicts are settled, both histories stay, the loser's address forwards, and only someone who
may change both records merges."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts import services, timeline
from accounts.models import (
    Account,
    AccountContactRelation,
    Activity,
    Consent,
    Contact,
    ContactPoint,
    TimelineEntry,
)
from service.models import Ticket

from .factories import AccountFactory, ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _post_merge(client, record, other, keep="this"):
    kind = "accounts" if isinstance(record, Account) else "contacts"
    return client.post(f"/{kind}/{record.pk}/merge/",
                       {"other": other.pk, "keep": keep, "confirm": "1"})  # fmt: skip


def _populate_account(account, org, tag):
    contact = ContactFactory(account=account, owner=org.rep, team=org.team)
    services.activity_save(data={"kind": "call", "subject": f"Call {tag}", "done": True,
                                 "account": account}, by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "task", "subject": f"Task {tag}",
                                 "contact": contact}, by=org.rep)  # fmt: skip
    timeline.record(subject=account, kind="note", title=f"Entry {tag}", account=account)
    TicketFactory(account=account, contact=contact, queue=org.queue, subject=f"Ticket {tag}")
    AccountFactory(name=f"Child {tag}", parent=account)
    shared = Contact.objects.get(last_name="Shared") if tag == "B" else None
    outsider = shared or ContactFactory(last_name="Shared", account=None)
    AccountContactRelation.objects.create(account=account, contact=outsider, role=tag)
    AccountContactRelation.objects.create(
        account=account, contact=ContactFactory(account=None, last_name=f"Rel {tag}")
    )
    Activity.objects.create(kind="note", subject=f"Linked {tag}",
                            related_type=ContentType.objects.get_for_model(Account),
                            related_id=account.pk)  # fmt: skip
    account.tags.add("common", f"only-{tag}")


def _counts(account_ids):
    return {
        "contacts": Contact.objects.filter(account_id__in=account_ids).count(),
        "activities": Activity.objects.filter(account_id__in=account_ids).count()
        + Activity.objects.filter(
            contact__account_id__in=account_ids, account__isnull=True
        ).count(),  # fmt: skip
        "entries": TimelineEntry.objects.filter(account_id__in=account_ids).count(),
        "tickets": Ticket.objects.filter(account_id__in=account_ids).count(),
        "children": Account.objects.filter(parent_id__in=account_ids).count(),
        "linked": Activity.objects.filter(
            related_id__in=account_ids, related_type__model="account"
        ).count(),  # fmt: skip
    }


def test_merge_accounts_moves_every_related_record(client, org):
    a = AccountFactory(name="Acme", owner=org.rep, team=org.team, industry="", phone="")
    b = AccountFactory(name="ACME Inc.", owner=org.rep, team=org.team, industry="Steel",
                       phone="+39 1")  # fmt: skip
    _populate_account(a, org, "A")
    _populate_account(b, org, "B")
    before = _counts([a.pk, b.pk])
    history_b = b.history.count()
    client.force_login(org.rep)

    preview = client.get(f"/accounts/{a.pk}/merge/?other={b.pk}")
    assert preview.status_code == 200
    assert "Steel" in preview.content.decode() and "from #" in preview.content.decode()

    response = _post_merge(client, a, b)

    assert response.status_code == 302 and response["Location"] == f"/accounts/{a.pk}/"
    assert not Account.objects.filter(pk=b.pk).exists()
    after = _counts([a.pk])
    entries_added = 1  # the merge itself is on the timeline
    assert after == {**before, "entries": before["entries"] + entries_added}
    a.refresh_from_db()
    assert (a.industry, a.phone, a.name) == ("Steel", "+39 1", "Acme")  # gaps filled, own kept
    assert sorted(a.tags.names()) == ["common", "only-A", "only-B"]
    # the contact related to both keeps one relation; the others all moved
    rels = AccountContactRelation.objects.filter(account=a)
    assert rels.count() == 3
    assert rels.filter(contact__last_name="Shared").count() == 1
    # both histories are kept, the loser's says where it went
    assert b.history.model.objects.filter(id=b.pk).count() == history_b + 2
    assert b.history.model.objects.filter(id=b.pk, merged_into_id=a.pk).exists()
    assert a.history.first().history_user == org.rep
    moved = Contact.history.filter(account_id=a.pk, history_change_reason__contains="merge")
    assert moved.count() == 1  # B's contact moved, with a history row of who did it
    assert TimelineEntry.objects.filter(account=a, title__startswith="Merged account").exists()
    # the old address forwards
    old = client.get(f"/accounts/{b.pk}/")
    assert old.status_code == 302 and old["Location"] == f"/accounts/{a.pk}/"


def test_the_survivor_can_be_the_other_one_and_parent_loops_are_avoided(client, org):
    parent = AccountFactory(owner=org.rep, team=org.team)
    child = AccountFactory(owner=org.rep, team=org.team, parent=parent)
    client.force_login(org.rep)
    assert _post_merge(client, parent, child, keep="other").status_code == 302
    child.refresh_from_db()
    assert child.parent_id is None
    assert not Account.objects.filter(pk=parent.pk).exists()


def test_merge_contacts_settles_consents_points_and_relations(client, org, records):
    keep = records.contact
    other = ContactFactory(account=records.account, owner=org.rep, team=org.team,
                           email="second@example.com", phone="+39 2", title="CFO")  # fmt: skip
    earlier, later = timezone.now() - timezone.timedelta(days=5), timezone.now()
    services.consent_set(contact=keep, channel="email", status="opted_in", method="form",
                         by=org.rep, at=earlier)  # fmt: skip
    services.consent_set(contact=other, channel="email", status="opted_out",
                         method="unsubscribe", by=org.rep, at=later)  # fmt: skip
    services.consent_set(contact=other, channel="sms", status="opted_in", method="phone",
                         by=org.rep)  # fmt: skip
    ContactPoint.objects.create(contact=keep, kind="phone", value="+39 9")
    ContactPoint.objects.create(contact=other, kind="phone", value="+39 9")
    ContactPoint.objects.create(contact=other, kind="email", value="home@example.com")
    AccountContactRelation.objects.create(account=records.other_account, contact=keep)
    AccountContactRelation.objects.create(account=records.other_account, contact=other)
    services.activity_save(data={"kind": "call", "subject": "Other's call", "done": True,
                                 "contact": other}, by=org.rep)  # fmt: skip
    ticket = TicketFactory(contact=other, queue=org.queue)
    client.force_login(org.rep)

    assert _post_merge(client, keep, other).status_code == 302

    assert not Contact.objects.filter(pk=other.pk).exists()
    consents = {c.channel: c for c in Consent.objects.filter(contact=keep)}
    assert set(consents) == {"email", "sms"}
    assert consents["email"].status == "opted_out"  # the most recent decision wins
    assert Consent.history.filter(contact_id=keep.pk, channel="email").count() >= 2
    values = set(ContactPoint.objects.filter(contact=keep).values_list("value", flat=True))
    # the loser's primary e-mail stays as an extra point; its phone fills the survivor's gap
    assert values == {"+39 9", "home@example.com", "second@example.com"}
    assert AccountContactRelation.objects.filter(contact=keep).count() == 1
    assert Activity.objects.filter(contact=keep, subject="Other's call").exists()
    ticket.refresh_from_db()
    assert ticket.contact_id == keep.pk
    keep.refresh_from_db()
    assert keep.phone == "+39 2"
    assert keep.email == records.contact.email


def test_only_who_may_change_both_merges(client, org, records):
    mine = AccountFactory(owner=org.rep, team=org.team)
    client.force_login(org.rep)
    # the other team's record, either way round
    assert _post_merge(client, mine, records.other_account).status_code == 403
    assert _post_merge(client, records.other_account, mine).status_code == 403
    assert client.get(f"/accounts/{mine.pk}/merge/?other={records.other_account.pk}"
                      ).status_code == 403  # fmt: skip
    client.force_login(org.marketing)
    assert client.get(f"/accounts/{mine.pk}/merge/").status_code == 403
    assert Account.objects.filter(pk__in=[mine.pk, records.other_account.pk]).count() == 2
    # a manager may
    client.force_login(org.admin)
    assert _post_merge(client, mine, records.other_account).status_code == 302
    assert not Account.objects.filter(pk=records.other_account.pk).exists()


def test_merge_page_finds_candidates(client, org, records):
    twin = AccountFactory(name=records.account.name + " S.p.A.", owner=org.rep, team=org.team)
    client.force_login(org.rep)
    page = client.get(f"/accounts/{records.account.pk}/merge/?q={twin.name[:8]}")
    assert f"?other={twin.pk}" in page.content.decode()
    by_id = client.get(f"/accounts/{records.account.pk}/merge/?q={twin.pk}")
    assert f"?other={twin.pk}" in by_id.content.decode()
    assert client.get(f"/accounts/{records.account.pk}/merge/?other=999999").status_code == 404
    same = client.get(f"/accounts/{records.account.pk}/merge/?other={records.account.pk}")
    assert same.status_code == 404
