"""One searchable record picker for every customer record a person chooses (issue 17, item 5).

``core.forms.RecordPicker`` / ``RecordChoiceField`` / ``core.filters.RecordIdFilter``: the page
holds only the chosen record's ``<option>``; ``core:search_pick`` answers at most
``PICK_ROWS`` matches from the search registry, among the rows the user may read; a posted id
outside them is a form error. Used by the account form (parent), contact form (account), ticket
and activity forms (account, contact), lead conversion ("another account") and the account
filter of the order, invoice, opportunity and activity lists.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact
from core.forms import PICK_ROWS
from sales.models import Lead
from service.models import Ticket

from .factories import AccountFactory, ContactFactory, LeadFactory, OrderFactory
from .permission_helpers import form_data
from .test_form_choices import _SelectOptions

pytestmark = pytest.mark.django_db

MANY = 500


def pick(client, kind, q):
    return client.get(reverse("core:search_pick", args=[kind]), {"q": q})


def picked(client, kind, q) -> list[str]:
    response = pick(client, kind, q)
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def merged_account(name):
    survivor = AccountFactory(name=f"{name} (survivor)")
    return AccountFactory(name=name, merged_into=survivor)


# -- the endpoint ------------------------------------------------------------------------------


def test_pick_answers_at_most_pick_rows_and_never_merged_records(client, org):
    Account.objects.bulk_create(Account(name=f"Pickwick {i:03}") for i in range(PICK_ROWS + 10))
    gone = merged_account("Pickwick Merged")
    client.force_login(org.rep)

    names = picked(client, "accounts", "pickwick")

    assert len(names) == PICK_ROWS
    assert gone.name not in names
    assert picked(client, "accounts", "pickwick merged") == ["Pickwick Merged (survivor)"]
    assert picked(client, "accounts", "p") == []  # too short to search


def test_pick_finds_a_record_by_its_number_and_describes_it(client, org):
    account = AccountFactory(name="Numbered Ltd", industry="Optics")
    client.force_login(org.rep)
    rows = pick(client, "accounts", f"#{account.pk}").json()["results"]
    assert rows[0] == {"value": account.pk, "text": "Numbered Ltd",
                       "description": "Optics"}  # fmt: skip


def test_pick_lists_only_what_the_user_may_read(client, org):
    """Leads follow the sales rules: a rep's own and team's, never another team's; marketing
    sees sales only in aggregate, so the kind is not theirs to pick from."""
    ours = LeadFactory(last_name="Zanzibar", company="Ours", owner=org.rep, team=org.team)
    theirs = LeadFactory(last_name="Zanzibar", company="Theirs", owner=org.other_rep,
                         team=org.other_team)  # fmt: skip
    client.force_login(org.rep)
    rows = pick(client, "leads", "zanzibar").json()["results"]
    assert [r["value"] for r in rows] == [ours.pk]
    assert theirs.pk not in [r["value"] for r in pick(client, "leads", f"#{theirs.pk}").json()[
        "results"]]  # fmt: skip
    client.force_login(org.marketing)
    assert pick(client, "leads", "zanzibar").status_code == 404
    assert pick(client, "nothing-such", "zanzibar").status_code == 404
    client.logout()
    assert pick(client, "accounts", "zanzibar").status_code == 302  # to the login page


# -- forms: a posted id is checked against the same rows ---------------------------------------


def contact_form(user, **changes):
    from accounts.forms import ContactForm

    return form_data(ContactForm, user=user, first_name="Ada", last_name="Picked", **changes)


@pytest.mark.parametrize("posted", ["merged", "999999999", "99999999999999999999", "abc", "1.5"])
def test_an_id_the_picker_would_not_offer_is_a_form_error(client, org, posted):
    gone = merged_account("Gone Ltd")
    value = str(gone.pk) if posted == "merged" else posted
    client.force_login(org.rep)
    response = client.post(reverse("accounts:contact_add"), contact_form(org.rep, account=value))
    assert response.status_code == 400
    assert "there is none with this id that you may choose" in response.content.decode()
    assert not Contact.objects.filter(last_name="Picked").exists()


def test_the_contact_form_saves_the_picked_account_and_names_it(client, org):
    account = AccountFactory(name="Quasar Optics")
    client.force_login(org.rep)
    response = client.post(reverse("accounts:contact_add"),
                           contact_form(org.rep, account=account.pk))  # fmt: skip
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Picked")
    assert contact.account == account
    client.force_login(org.admin)
    page = client.get(reverse("accounts:contact_edit", args=[contact.pk])).content.decode()
    assert f'<option value="{account.pk}" selected>Quasar Optics</option>' in page


def test_the_account_form_picks_a_parent(client, org):
    parent = AccountFactory(name="Holding Group")
    child = AccountFactory(name="Branch", owner=org.rep, team=org.team)
    from accounts.forms import AccountForm

    client.force_login(org.rep)
    data = form_data(AccountForm, user=org.rep, instance=child, parent=parent.pk)
    assert client.post(reverse("accounts:account_edit", args=[child.pk]), data).status_code == 302
    child.refresh_from_db()
    assert child.parent == parent
    gone = merged_account("Old Holding")
    data = form_data(AccountForm, user=org.rep, instance=child, parent=gone.pk)
    assert client.post(reverse("accounts:account_edit", args=[child.pk]), data).status_code == 400
    child.refresh_from_db()
    assert child.parent == parent


def test_the_ticket_form_picks_account_and_contact(client, org):
    account = AccountFactory(name="Ticketed Inc")
    contact = ContactFactory(account=account, last_name="Caller")
    from service.forms import TicketForm

    client.force_login(org.agent)
    data = form_data(TicketForm, user=org.agent, subject="Printer on fire", queue=org.queue.pk,
                     account=account.pk, contact=contact.pk)  # fmt: skip
    response = client.post(reverse("service:ticket_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(subject="Printer on fire")
    assert (ticket.account, ticket.contact) == (account, contact)


def test_an_erased_contact_is_neither_offered_nor_accepted(client, org):
    account = AccountFactory(name="Privacy Ltd")
    erased = ContactFactory(account=account, last_name="Forgotten", erased_at=timezone.now())
    from service.forms import TicketForm

    client.force_login(org.agent)
    assert picked(client, "contacts", "forgotten") == []
    data = form_data(TicketForm, user=org.agent, subject="About someone", queue=org.queue.pk,
                     account=account.pk, contact=erased.pk)  # fmt: skip
    response = client.post(reverse("service:ticket_add"), data)
    assert response.status_code == 400
    assert not Ticket.objects.filter(subject="About someone").exists()


def test_lead_conversion_into_another_account_by_picker(client, org):
    lead = LeadFactory(company="Nowhere Co", status="qualified", owner=org.rep, team=org.team)
    target = AccountFactory(name="Elsewhere Holdings")
    gone = merged_account("Gone Holdings")
    client.force_login(org.rep)
    url = reverse("sales:lead_convert", args=[lead.pk])
    page = client.get(url).content.decode()
    assert 'name="account_id"' in page and "data-record-picker" in page
    data = {"account_choice": "new", "contact_choice": "new", "account_id": gone.pk}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "There is no account with this id." in response.content.decode()
    assert client.post(url, {**data, "account_id": target.pk}).status_code == 302
    lead.refresh_from_db()
    assert lead.converted_account == target
    assert Lead.objects.get(pk=lead.pk).converted_contact.account == target


def test_the_order_list_filters_by_a_picked_account_and_names_it(client, org):
    account = AccountFactory(name="Ordering Co")
    mine = OrderFactory(account=account, owner=org.rep, team=org.team)
    other = OrderFactory(account=AccountFactory(), owner=org.rep, team=org.team)
    client.force_login(org.rep)
    page = client.get(reverse("billing:order_list"), {"account": account.pk}).content.decode()
    assert f'<option value="{account.pk}" selected>Ordering Co</option>' in page
    assert mine.number in page and other.number not in page


# -- no form lists a table -------------------------------------------------------------------


def picker_selects(client, url) -> dict[str, int]:
    """``name`` → option count of the record pickers of a page."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    parser = _SelectOptions()
    parser.feed(html)
    names = {name for name in parser.counts if f'name="{name}"' in html}
    return {n: parser.counts[n] for n in names if _is_picker(html, n)}


def _is_picker(html, name) -> bool:
    start = html.index(f'<select name="{name}"')
    return "data-record-picker" in html[start : html.index(">", start)]


PAGES = {
    "accounts:account_add": {"parent"},
    "accounts:contact_add": {"account"},
    "accounts:activity_add": {"account", "contact"},
    "service:ticket_add": {"account", "contact"},
    "billing:order_list": {"account"},
    "billing:invoice_list": {"account"},
    "sales:opportunity_list": {"account"},
    "accounts:activity_list": {"account", "contact"},
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_picker_renders_a_bounded_select_with_many_accounts(client, org, name):
    accounts = Account.objects.bulk_create(Account(name=f"Many {i:03}") for i in range(MANY))
    Contact.objects.bulk_create(Contact(last_name=f"Many{i:03}", account=a)
                                for i, a in enumerate(accounts))  # fmt: skip
    client.force_login(org.admin)
    selects = picker_selects(client, reverse(name))
    assert set(selects) == PAGES[name]
    assert all(count <= 2 for count in selects.values()), selects


def test_the_conversion_page_renders_a_bounded_select_with_many_accounts(client, org):
    Account.objects.bulk_create(Account(name=f"Many {i:03}") for i in range(MANY))
    lead = LeadFactory(company="Many", status="qualified", owner=org.rep, team=org.team)
    client.force_login(org.rep)
    selects = picker_selects(client, reverse("sales:lead_convert", args=[lead.pk]))
    assert selects == {"account_id": 1}


# -- query budget ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "narrow"), [("accounts", False), ("contacts", True)])
def test_pick_runs_the_same_few_queries_with_many_matches(client, org, kind, narrow):
    """Budget ``core:search_pick`` in query_counts.json (6): session, user, the threshold's
    transaction (savepoint, set_config, release) and one query for the matches — not one more
    per row (the contacts' accounts are joined for their description)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_query_budgets import BUDGETS

    holder = AccountFactory(name="Budget holder")

    def add(start, count):
        accounts = Account.objects.bulk_create(
            Account(name=f"Budget {i:03}") for i in range(start, start + count)
        )
        Contact.objects.bulk_create(Contact(first_name="Ann", last_name=f"Budget{i:03}",
                                            account=holder if narrow else a)
                                    for i, a in enumerate(accounts, start))  # fmt: skip

    params = {"q": "budget", **({"account": holder.pk} if narrow else {})}
    url = reverse("core:search_pick", args=[kind])
    client.force_login(org.rep)
    counts = []
    for start, count in ((0, 3), (3, 40)):
        add(start, count)
        client.get(url, params)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        counts.append(len(queries))
    sql = "\n".join(q["sql"][:200] for q in queries.captured_queries)
    assert counts[0] == counts[1] <= BUDGETS["core:search_pick"], f"{counts}\n{sql}"
