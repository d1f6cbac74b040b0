"""Permission rules beyond the role matrices, through the web pages: object-level rules
(ownership, teams, queues), what lists and detail pages show, inactive users, return URLs,
CSRF, escaping of user text, and the CSV export (visible rows only, formulas neutralised).

The matrices are in ``test_permissions_get.py`` and ``test_permissions_post.py``; the shared
helpers in ``permission_helpers.py``.
"""

import csv
import io

from django.test import Client

from accounts.forms import AccountForm
from accounts.models import Account
from sales.forms import LeadForm
from sales.models import Lead
from service.models import Ticket
from users.models import User

from .factories import ContactFactory
from .permission_helpers import assert_login_redirect, form_data, snapshot

# -- object-level rules beyond the role matrix --------------------------------------------------


def test_rep_cannot_take_over_another_teams_account(client, org, records):
    """A non-owner outside the account's team posts an edit that makes them the owner."""
    client.force_login(org.rep)
    account = records.other_account
    before = snapshot(Account, account.pk)

    data = form_data(AccountForm, user=org.rep, instance=account, name="Mine now", owner=org.rep.pk)

    response = client.post(f"/accounts/{account.pk}/edit/", data)

    assert response.status_code == 403
    assert snapshot(Account, account.pk) == before


def test_teammate_may_edit_an_account_of_their_team(client, org, records):
    client.force_login(org.rep_teammate)
    account = records.account  # owned by rep, team North

    data = form_data(AccountForm, user=org.rep_teammate, instance=account, name="Renamed")

    response = client.post(f"/accounts/{account.pk}/edit/", data)

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Renamed"


def test_rep_cannot_create_a_lead_in_another_team(client, org):
    client.force_login(org.rep)

    data = form_data(LeadForm, user=org.rep, last_name="Sneaky", team=org.other_team.pk)

    response = client.post("/sales/leads/add/", data)

    assert response.status_code == 400
    assert not Lead.objects.filter(last_name="Sneaky").exists()


def test_rep_cannot_move_own_lead_to_another_team(client, org, records):
    client.force_login(org.rep)
    before = snapshot(Lead, records.lead.pk)

    data = form_data(
        LeadForm, user=org.rep, instance=records.lead, last_name="Moved", team=org.other_team.pk
    )

    response = client.post(f"/sales/leads/{records.lead.pk}/edit/", data)

    assert response.status_code == 400
    assert snapshot(Lead, records.lead.pk) == before


def test_agent_sees_a_ticket_of_another_queue_assigned_to_them(client, org, records):
    Ticket.objects.filter(pk=records.other_ticket.pk).update(assignee=org.agent)
    client.force_login(org.agent)

    assert client.get(f"/service/tickets/{records.other_ticket.pk}/").status_code == 200
    assert client.get(f"/service/tickets/{records.other_ticket.pk}/edit/").status_code == 200


def test_lists_show_only_visible_rows(client, org, records):
    client.force_login(org.rep)
    page = client.get("/sales/leads/?per_page=100").content.decode()
    assert f"/sales/leads/{records.lead.pk}/" in page
    assert f"/sales/leads/{records.queue_lead.pk}/" in page
    assert f"/sales/leads/{records.teammate_lead.pk}/" not in page
    assert f"/sales/leads/{records.other_lead.pk}/" not in page

    client.force_login(org.agent)
    page = client.get("/service/tickets/").content.decode()
    assert f"/service/tickets/{records.ticket.pk}/" in page
    assert f"/service/tickets/{records.other_ticket.pk}/" not in page


def test_detail_page_offers_only_allowed_actions(client, org, records):
    client.force_login(org.rep)
    own = client.get(f"/accounts/{records.account.pk}/").content.decode()
    other = client.get(f"/accounts/{records.other_account.pk}/").content.decode()

    assert f"/accounts/{records.account.pk}/edit/" in own
    assert f"/accounts/{records.account.pk}/delete/" in own
    assert f"/accounts/{records.other_account.pk}/edit/" not in other
    assert f"/accounts/{records.other_account.pk}/delete/" not in other


def test_htmx_table_refresh_is_refused_like_the_page(client, org, records):
    client.force_login(org.marketing)
    headers = {"HX-Request": "true", "HX-Target": "record-table"}

    assert client.get("/sales/leads/", headers=headers).status_code == 403
    assert client.get("/admin-ui/users/", headers=headers).status_code == 403


def test_inactive_user_is_logged_out(client, org):
    client.force_login(org.rep)
    User.objects.filter(pk=org.rep.pk).update(is_active=False)

    response = client.get("/accounts/")

    assert_login_redirect(response, "/accounts/")


def test_return_url_to_another_site_is_ignored(client, org, records):
    client.force_login(org.rep)
    lead = records.lead

    data = form_data(LeadForm, user=org.rep, instance=lead, last_name="Safe")

    response = client.post(
        f"/sales/leads/{lead.pk}/edit/", data | {"return_url": "https://evil.example.com/"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{lead.pk}/"


# -- CSRF and escaping -------------------------------------------------------------------------


def test_csrf_is_enforced(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    data = form_data(AccountForm, user=org.rep, name="No token", owner=org.rep.pk, team=org.team.pk)

    response = client.post("/accounts/add/", data)

    assert response.status_code == 403
    assert not Account.objects.filter(name="No token").exists()

    # The same form with the token from the page goes through.
    client.get("/accounts/add/")
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/add/", data | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Account.objects.filter(name="No token").exists()


def test_user_text_is_escaped(client, org):
    raw = "<script>alert(1)</script>"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    client.force_login(org.rep)

    data = form_data(AccountForm, user=org.rep, name=raw, owner=org.rep.pk, team=org.team.pk)

    response = client.post("/accounts/add/", data, follow=True)  # detail + "Created …"
    account = Account.objects.get(name=raw)
    ContactFactory(last_name=raw, account=account, owner=org.rep, team=org.team)

    pages = {
        "created": response.content.decode(),
        "detail": client.get(f"/accounts/{account.pk}/").content.decode(),
        "list": client.get("/accounts/").content.decode(),
        "search": client.get("/accounts/", {"q": raw}).content.decode(),
        "contacts": client.get("/contacts/").content.decode(),
        "edit": client.get(f"/accounts/{account.pk}/edit/").content.decode(),
    }
    for name, page in pages.items():
        assert raw not in page, name
        assert escaped in page, name


# -- CSV export ---------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_contains_only_visible_rows(client, org, records):
    client.force_login(org.rep)

    rows = _csv(client.get("/sales/leads/", {"export": "csv"}))

    assert {int(r["ID"]) for r in rows} == {records.lead.pk, records.queue_lead.pk}


def test_export_follows_the_filters(client, org, records):
    client.force_login(org.rep)

    rows = _csv(client.get("/sales/leads/", {"export": "csv", "unassigned": "true"}))

    assert [int(r["ID"]) for r in rows] == [records.queue_lead.pk]


def test_export_is_refused_to_roles_without_the_list(client, org, records):
    client.force_login(org.marketing)
    assert client.get("/sales/leads/", {"export": "csv"}).status_code == 403
    client.force_login(org.rep)
    assert client.get("/admin-ui/users/", {"export": "csv"}).status_code == 403


def test_export_neutralises_formulas(client, org, records):
    contact = ContactFactory(
        first_name="+SUM(1,2)",
        last_name='=HYPERLINK("http://x")',
        title="-1",
        phone="@cmd",
        account=records.account,
        owner=org.rep,
        team=org.team,
    )
    client.force_login(org.rep)

    rows = _csv(client.get("/contacts/", {"export": "csv"}))

    row = next(r for r in rows if int(r["ID"]) == contact.pk)
    assert row["Last name"] == '\'=HYPERLINK("http://x")'
    assert row["First name"] == "'+SUM(1,2)"
    assert row["Title"] == "'-1"
    assert row["Phone"] == "'@cmd"
    assert row["Account name"] == records.account.name  # plain text untouched


def test_rep_cannot_hand_a_record_to_someone_outside_their_teams(client, org, records):
    """One rule (core.assignment) for the form, the bulk edit and the API."""
    from rest_framework.test import APIClient

    lead = records.lead
    client.force_login(org.rep)
    data = {"last_name": lead.last_name, "status": lead.status, "owner": org.other_rep.pk,
            "team": org.team.pk}  # fmt: skip
    assert client.post(f"/sales/leads/{lead.pk}/edit/", data).status_code == 400
    client.post("/sales/leads/bulk/edit/",
                {"pk": [lead.pk], "owner": org.other_rep.pk, "confirm": "1"})  # fmt: skip
    api = APIClient()
    api.force_authenticate(org.rep)
    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"owner": org.other_rep.pk}, format="json")
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.owner == org.rep

    # A teammate is fine, and a manager may assign across teams.
    data["owner"] = org.rep_teammate.pk
    assert client.post(f"/sales/leads/{lead.pk}/edit/", data).status_code == 302
    client.force_login(org.sales_manager)
    data["owner"] = org.other_rep.pk
    assert client.post(f"/sales/leads/{lead.pk}/edit/", data).status_code == 302
    lead.refresh_from_db()
    assert lead.owner == org.other_rep
