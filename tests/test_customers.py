"""Account and contact pages through the Django client: sectioned forms routed through the
services, duplicate warning, bulk actions, the 360° view (figures, timeline with kinds and
keyset pages, hierarchy, related contacts), history panel, consent, tickets on the timeline."""

import re
from datetime import timedelta

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
from .permission_helpers import form_data

pytestmark = pytest.mark.django_db


def account_form(user, instance=None, **changes):
    from accounts.forms import AccountForm

    return form_data(AccountForm, user=user, instance=instance, **changes)


def contact_form(user, instance=None, **changes):
    from accounts.forms import ContactForm

    return form_data(ContactForm, user=user, instance=instance, **changes)


def text(response):
    return response.content.decode()


def timeline_of(client, url):
    page = text(client.get(url))
    return page[page.index('id="timeline"') :]


# -- forms, services, duplicates -------------------------------------------------------------
def test_account_form_saves_every_section_through_the_service(client, org):
    client.force_login(org.rep)
    data = account_form(
        org.rep,
        name="Cantiere Navale Rossi",
        kind="company",
        website="rossi.example",
        phone="+39 010 123",
        billing_street="Via Dante 1",
        billing_city="Genova",
        shipping_city="La Spezia",
        tier="key",
        annual_revenue="1200000.50",
        employees="80",
        tags="shipyard, vip",
        owner=org.rep.pk,
    )
    response = client.post("/accounts/add/", data)

    assert response.status_code == 302, text(response)
    account = Account.objects.get(name="Cantiere Navale Rossi")
    assert (account.billing_city, account.shipping_city, account.tier) == (
        "Genova",
        "La Spezia",
        "key",
    )
    assert account.website == "https://rossi.example"
    assert sorted(account.tags.names()) == ["shipyard", "vip"]
    assert account.history.get().history_user == org.rep
    assert TimelineEntry.objects.filter(account=account, title="Account created").exists()

    page = text(client.get(account.get_absolute_url()))
    for shown in ("Genova", "La Spezia", "1,200,000.50 EUR", "shipyard", "Via Dante 1"):
        assert shown in page


def test_edit_records_a_change_on_the_timeline(client, org, records):
    client.force_login(org.rep)
    data = account_form(org.rep, records.account, industry="Shipbuilding", tags="a, b")
    assert client.post(f"/accounts/{records.account.pk}/edit/", data).status_code == 302

    entry = TimelineEntry.objects.filter(account=records.account, kind="change").latest("id")
    assert "industry" in entry.title.lower()
    assert sorted(records.account.tags.names()) == ["a", "b"]


def test_rep_cannot_edit_or_merge_another_teams_account(client, org, records):
    client.force_login(org.rep)
    other = records.other_account
    data = account_form(org.admin, other, name="Hijacked")
    assert client.post(f"/accounts/{other.pk}/edit/", data).status_code == 403
    assert client.get(f"/accounts/{other.pk}/merge/").status_code == 403
    assert client.post(f"/contacts/{records.other_contact.pk}/consent/",
                       {"channel": "email", "status": "opted_in", "method": "form"}
                       ).status_code == 403  # fmt: skip
    other.refresh_from_db()
    assert other.name != "Hijacked"
    # reading is everyone's: the 360° partials answer
    for part in ("timeline", "history"):
        assert client.get(f"/accounts/{other.pk}/{part}/").status_code == 200


def test_pages_for_unknown_ids_answer_404(client, org):
    client.force_login(org.rep)
    for url in ("/accounts/999999/", "/accounts/999999/timeline/", "/accounts/999999/history/",
                "/accounts/999999/merge/", "/contacts/999999/", "/contacts/999999/export/",
                "/contacts/999999/erase/"):  # fmt: skip
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(client, records):
    for url in (f"/accounts/{records.account.pk}/timeline/",
                f"/accounts/{records.account.pk}/history/",
                f"/contacts/{records.contact.pk}/export/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_parent_cannot_be_a_child(client, org):
    client.force_login(org.rep)
    top = AccountFactory(owner=org.rep, team=org.team)
    child = AccountFactory(owner=org.rep, team=org.team, parent=top)
    response = client.post(f"/accounts/{top.pk}/edit/", account_form(org.rep, top, parent=child.pk))
    assert response.status_code == 400
    assert "cannot sit under itself" in text(response)


def test_duplicate_account_warning_and_create_anyway(client, org, records):
    client.force_login(org.rep)
    Account.objects.filter(pk=records.account.pk).update(email="info@acme.example")
    data = account_form(org.rep, name="Completely new", email="INFO@acme.example")

    response = client.post("/accounts/add/", data)
    assert response.status_code == 400
    page = text(response)
    assert "Possible duplicates" in page and records.account.get_absolute_url() in page
    assert not Account.objects.filter(name="Completely new").exists()

    response = client.post("/accounts/add/", {**data, "create_anyway": "on"})
    assert response.status_code == 302
    assert Account.objects.filter(name="Completely new").exists()


def test_duplicate_contact_warning(client, org, records):
    client.force_login(org.rep)
    data = contact_form(
        org.rep,
        first_name="Other",
        last_name="Person",
        email=records.contact.email.upper(),
        account=records.account.pk,
    )
    response = client.post("/contacts/add/", data)
    assert response.status_code == 400
    assert str(records.contact) in text(response)
    assert client.post("/contacts/add/", {**data, "create_anyway": "on"}).status_code == 302
    assert Contact.objects.filter(last_name="Person").count() == 1


def test_editing_never_asks_about_duplicates(client, org, records):
    twin = ContactFactory(account=records.account, owner=org.rep, team=org.team,
                          email=records.contact.email)  # fmt: skip
    client.force_login(org.rep)
    data = contact_form(org.rep, twin, title="CEO")
    assert client.post(f"/contacts/{twin.pk}/edit/", data).status_code == 302


# -- bulk actions ------------------------------------------------------------------------------
def test_bulk_assign_and_tag_skips_records_the_user_may_not_change(client, org, records):
    client.force_login(org.rep)
    mine = AccountFactory(owner=org.rep, team=org.team)
    pks = [records.account.pk, mine.pk, records.other_account.pk]
    response = client.post("/accounts/bulk/edit/", {"pk": pks, "confirm": "1",
                           "owner": org.rep_teammate.pk, "add_tags": "renewal"})  # fmt: skip
    assert response.status_code == 302
    for acc in (records.account, mine):
        acc.refresh_from_db()
        assert acc.owner == org.rep_teammate
        assert list(acc.tags.names()) == ["renewal"]
        assert acc.history.first().history_user == org.rep
    records.other_account.refresh_from_db()
    assert records.other_account.owner == org.other_rep
    assert not records.other_account.tags.exists()


def test_bulk_edit_form_offers_tags(client, org, records):
    client.force_login(org.rep)
    page = text(client.post("/contacts/bulk/edit/", {"pk": [records.contact.pk]}))
    assert 'name="add_tags"' in page


def test_bulk_delete(client, org, records):
    client.force_login(org.rep)
    extra = ContactFactory(account=records.account, owner=org.rep, team=org.team)
    pks = [extra.pk, records.other_contact.pk]
    response = client.post("/contacts/bulk/delete/", {"pk": pks, "confirm": "1"})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=extra.pk).exists()
    assert Contact.objects.filter(pk=records.other_contact.pk).exists()


# -- the 360° view -------------------------------------------------------------------------------
def test_account_page_shows_hierarchy_contacts_and_related_contacts(client, org, records):
    parent = AccountFactory(name="Group Holding")
    Account.objects.filter(pk=records.account.pk).update(parent=parent)
    child = AccountFactory(name="Subsidiary North", parent=records.account)
    AccountFactory(name="Grandchild Ltd", parent=child)
    outsider = ContactFactory(account=records.other_account, last_name="Outsider")
    AccountContactRelation.objects.create(account=records.account, contact=outsider,
                                          role="Consultant")  # fmt: skip
    client.force_login(org.rep)

    page = text(client.get(f"/accounts/{records.account.pk}/"))

    tree = page[page.index('data-testid="hierarchy"') :]
    assert tree.index("Group Holding") < tree.index(records.account.name)
    assert tree.index(records.account.name) < tree.index("Subsidiary North")
    assert tree.index("Subsidiary North") < tree.index("Grandchild Ltd")
    assert "Key figures include 2 sub-accounts" in page
    assert str(records.contact) in page
    assert "Outsider" in page and "Consultant" in page


def test_key_figures(client, org, records):
    now = timezone.now()
    services.activity_save(data={"kind": "call", "subject": "Old call", "done": True,
                                 "starts_at": now - timedelta(days=30),
                                 "account": records.account}, by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "meeting", "subject": "Recent", "done": True,
                                 "starts_at": now - timedelta(days=2),
                                 "contact": records.contact}, by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "task", "subject": "To do",
                                 "account": records.account}, by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "note", "subject": "A note",
                                 "account": records.account}, by=org.rep)  # fmt: skip
    TicketFactory(account=records.account, queue=org.queue, status="open")
    TicketFactory(account=records.account, queue=org.other_queue, status="new")
    TicketFactory(account=records.account, queue=org.queue, status="closed")

    figures = {f.key: v for f, v in timeline.figures_for([records.account.pk], org.agent)}
    assert figures["last_contact"].date() == (now - timedelta(days=2)).date()
    assert figures["open_activities"] == 1
    # records.ticket (Tier 1, new) + the open one; not Billing's, not the closed one
    assert figures["open_tickets"] == 2

    def figure(user, key):
        return {f.key: v for f, v in timeline.figures_for([records.account.pk], user)}[key]

    assert figure(org.support_manager, "open_tickets") == 3
    assert figure(org.rep, "open_tickets") is None

    client.force_login(org.agent)
    page = text(client.get(f"/accounts/{records.account.pk}/"))
    assert re.search(r'data-figure="open_tickets">\s*2<', page)


def _entries(account, n, start):
    ct = ContentType.objects.get_for_model(Account)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(subject_type=ct, subject_id=account.pk, account=account, kind="note",
                      title=f"Entry {i:03}", occurred_at=start + timedelta(minutes=i // 2))
        for i in range(n)
    )  # fmt: skip


def test_timeline_keyset_pages_lose_nothing(client, org, records):
    # pairs of entries share a time: the cursor must use the id too
    _entries(records.account, 45, timezone.now() - timedelta(days=1))
    client.force_login(org.rep)
    url = f"/accounts/{records.account.pk}/timeline/"
    seen, next_url = [], url + "?kind=note"
    while next_url:
        page = text(client.get(next_url, headers={"HX-Request": "true"}))
        seen += re.findall(r"Entry \d{3}", page)
        found = re.search(r'hx-get="([^"]+after=[^"]+)"', page)
        next_url = found.group(1).replace("&amp;", "&") if found else ""
    assert seen == [f"Entry {i:03}" for i in reversed(range(45))]
    assert client.get(url + "?after=garbage").status_code == 400


def test_timeline_filters_by_kind_and_includes_contacts(client, org, records):
    services.activity_save(data={"kind": "call", "subject": "Called the contact", "done": True,
                                 "contact": records.contact}, by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "note", "subject": "Noted on account",
                                 "account": records.account}, by=org.rep)  # fmt: skip
    client.force_login(org.rep)
    page = text(client.get(f"/accounts/{records.account.pk}/"))
    assert "Called the contact" in page and "Noted on account" in page

    only_calls = text(
        client.get(
            f"/accounts/{records.account.pk}/timeline/?kind=call",
            headers={"HX-Request": "true", "HX-Target": "timeline-items"},
        )
    )
    assert "Called the contact" in only_calls and "Noted on account" not in only_calls

    contact_page = text(client.get(f"/contacts/{records.contact.pk}/"))
    assert "Called the contact" in contact_page and "Noted on account" not in contact_page


def test_ticket_form_writes_queue_guarded_timeline_entries(client, org, records):
    client.force_login(org.agent)
    data = {"subject": "Printer on fire", "account": records.account.pk, "status": "new",
            "priority": "high", "channel": "phone", "queue": org.queue.pk,
            "assignee": org.agent.pk}  # fmt: skip
    assert client.post("/service/tickets/add/", data).status_code == 302
    ticket = Ticket.objects.get(subject="Printer on fire")
    entry = TimelineEntry.objects.get(kind="ticket", subject_id=ticket.pk)
    assert (entry.access_kind, entry.owner, entry.team, entry.account) == (
        TimelineEntry.Access.QUEUE,
        org.agent,
        org.queue,
        records.account,
    )

    url = f"/accounts/{records.account.pk}/"
    assert "Printer on fire" in timeline_of(client, url)
    for who, sees in ((org.rep, False), (org.other_agent, False), (org.support_manager, True)):
        client.force_login(who)
        assert ("Printer on fire" in timeline_of(client, url)) is sees

    # moved to the other queue: the entries follow, the status change is recorded
    client.force_login(org.support_manager)
    data.update(queue=org.other_queue.pk, assignee="", status="solved")
    assert client.post(f"/service/tickets/{ticket.pk}/edit/", data).status_code == 302
    entries = TimelineEntry.objects.filter(kind="ticket", subject_id=ticket.pk)
    assert entries.count() == 2
    assert set(entries.values_list("team", flat=True)) == {org.other_queue.pk}
    client.force_login(org.agent)
    assert "Printer on fire" not in timeline_of(client, url)


# -- history ----------------------------------------------------------------------------------
def test_history_panel_shows_who_changed_which_field(client, org):
    client.force_login(org.rep)
    data = account_form(org.rep, name="History Ltd", industry="Mining", owner=org.rep.pk)
    client.post("/accounts/add/", data)
    account = Account.objects.get(name="History Ltd")
    client.force_login(org.sales_manager)
    data = account_form(org.sales_manager, account, industry="Shipping",
                        owner=org.rep_teammate.pk)  # fmt: skip
    assert client.post(f"/accounts/{account.pk}/edit/", data).status_code == 302

    page = text(client.get(f"/accounts/{account.pk}/history/"))

    revisions = page.split('data-testid="revision"')[1:]
    assert len(revisions) == 2
    newest, created = revisions
    assert org.sales_manager.get_full_name() in newest
    assert re.search(r"Industry</th>.*Mining.*Shipping", newest, re.S)
    assert re.search(r"Owner</th>.*" + re.escape(str(org.rep)) + ".*"
                     + re.escape(str(org.rep_teammate)), newest, re.S)  # fmt: skip
    assert org.rep.get_full_name() in created and "created" in created


def test_history_is_paginated_without_n_plus_one(
    client, org, records, django_assert_max_num_queries
):
    account = records.account
    for i in range(30):
        services.account_save(account=account, data={"industry": f"Industry {i}"},
                              by=[org.rep, org.admin, org.sales_manager][i % 3])  # fmt: skip
    client.force_login(org.rep)
    with django_assert_max_num_queries(8):
        first = text(client.get(f"/accounts/{account.pk}/history/"))
    assert first.count('data-testid="revision"') == 20
    assert "Industry 29" in first and "page=2" in first
    second = text(client.get(f"/accounts/{account.pk}/history/?page=2"))
    assert second.count('data-testid="revision"') == 11  # 10 edits + the creation


# -- contact page ------------------------------------------------------------------------------
def test_contact_page_shows_points_other_accounts_and_consents(client, org, records):
    ContactPoint.objects.create(contact=records.contact, kind="email", value="home@example.com",
                                label="home")  # fmt: skip
    ContactPoint.objects.create(contact=records.contact, kind="phone", value="+39 333 1",
                                label="mobile")  # fmt: skip
    AccountContactRelation.objects.create(account=records.other_account, contact=records.contact,
                                          role="Board member")  # fmt: skip
    client.force_login(org.rep)
    page = text(client.get(f"/contacts/{records.contact.pk}/"))
    for shown in (records.contact.email, "home@example.com", "+39 333 1", "Board member",
                  records.other_account.name, "Not asked"):  # fmt: skip
        assert shown in page


def test_consent_change_is_recorded_with_history(client, org, records):
    client.force_login(org.rep)
    url = f"/contacts/{records.contact.pk}/consent/"
    client.post(url, {"channel": "email", "status": "opted_in", "method": "form"})
    client.post(url, {"channel": "email", "status": "opted_out", "method": "unsubscribe",
                      "note": "clicked the link"})  # fmt: skip
    client.post(url, {"channel": "sms", "status": "opted_in", "method": "phone"})

    consent = Consent.objects.get(contact=records.contact, channel="email")
    assert (consent.status, consent.method) == ("opted_out", "unsubscribe")
    states = list(consent.history.order_by("history_date").values_list("status", "history_user"))
    assert states == [("opted_in", org.rep.pk), ("opted_out", org.rep.pk)]

    page = text(client.get(f"/contacts/{records.contact.pk}/"))
    block = page[page.index('data-testid="consent"') :]
    assert "Opted out" in block and "Unsubscribe link" in block and "clicked the link" in block
    history = text(client.get(f"/contacts/{records.contact.pk}/history/"))
    assert "opted in" in history and "opted out" in history
    assert client.get(url).status_code == 405
    bad = client.post(url, {"channel": "fax", "status": "opted_in", "method": "form"})
    assert bad.status_code == 302
    assert Consent.objects.filter(contact=records.contact).count() == 2


def test_activity_counts_on_contact_only_activities(org, records):
    services.activity_save(data={"kind": "task", "subject": "Only contact",
                                 "contact": records.contact}, by=org.rep)  # fmt: skip
    # The service files it under the contact's account, so the account's figures count it.
    assert Activity.objects.get(subject="Only contact").account == records.account
    figures = {f.key: v for f, v in timeline.figures_for([records.account.pk], org.rep)}
    assert figures["open_activities"] == 1


def test_contact_points_add_make_primary_remove(client, org, records):
    contact = records.contact
    contact.email = "first@example.com"
    contact.save()
    client.force_login(org.rep)
    url = f"/contacts/{contact.pk}/points/"

    bad = client.post(url, {"kind": "email", "value": "not-an-address"})
    assert bad.status_code == 302 and not contact.points.exists()

    client.post(url, {"kind": "email", "value": "second@example.com", "label": "home"})
    point = contact.points.get()
    page = client.get(f"/contacts/{contact.pk}/")
    assert b"second@example.com" in page.content

    client.post(f"/contacts/{contact.pk}/points/{point.pk}/primary/")
    contact.refresh_from_db()
    assert contact.email == "second@example.com"
    assert list(contact.points.values_list("value", flat=True)) == ["first@example.com"]
    assert contact.history.first().history_user == org.rep

    client.post(f"/contacts/{contact.pk}/points/{point.pk}/remove/")
    assert not contact.points.exists()


def test_contact_points_other_team_cannot_change(client, org, records):
    client.force_login(org.rep)
    other = records.other_contact
    response = client.post(
        f"/contacts/{other.pk}/points/", {"kind": "phone", "value": "+39 02 1234"}
    )
    assert response.status_code == 403
    assert not other.points.exists()


def test_bad_account_input_is_explained_on_the_fields_and_saves_nothing(client, org):
    client.force_login(org.rep)
    response = client.post(
        "/accounts/add/",
        {
            "name": "Bad Input Ltd",
            "kind": "company",
            "currency": "EUR",
            "annual_revenue": "-5",
            "employees": "-3",
            "website": "not a url",
        },  # fmt: skip
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["annual_revenue"] == ["Revenue cannot be negative."]
    assert "employees" in form.errors and "website" in form.errors
    assert not Account.objects.filter(name="Bad Input Ltd").exists()
