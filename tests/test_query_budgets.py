"""Query budgets (NetBox style): a page's number of SQL queries does not grow with its rows.

``query_counts.json`` records, per URL name, the most queries the page may run. Each page is
rendered as a user who sees its rows, first with a few rows, then with many more: the count
must be the same both times (no N+1) and within the budget. When a page legitimately needs one
more query, raise its budget in the JSON file in the same change, and say why; when a count
grows with the rows, fix the page (select_related / prefetch_related / annotate) instead.
"""

import itertools
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact
from sales.models import Lead
from service.models import Ticket
from users.models import Role, Team, TeamMembership, User

BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())
FEW, MANY = 5, 60
# The app shell: session, user, the user's teams and the page's own figures, with no data.
APP_SHELL_BUDGET = 5


def _people(org):
    """Owners/assignees to spread rows over, so a lazy foreign key costs one query per row."""
    return [org.rep, org.rep_teammate, org.sales_manager, org.other_rep, org.admin, None]


# -- row makers: make(org, start, count) adds `count` rows the page's user sees -------------------


def make_accounts(org, start, count):
    owners = itertools.cycle(_people(org))
    teams = itertools.cycle([org.team, org.other_team, None])
    Account.objects.bulk_create(
        Account(name=f"Budget account {i:03}", owner=next(owners), team=next(teams))
        for i in range(start, start + count)
    )


def make_contacts(org, start, count):
    owners = itertools.cycle(_people(org))
    accounts = Account.objects.bulk_create(
        Account(name=f"Budget company {i:03}") for i in range(start, start + count)
    )
    Contact.objects.bulk_create(
        Contact(
            first_name="Ann",
            last_name=f"Budget{i:03}",
            account=account,
            owner=next(owners),
            team=org.team,
        )
        for i, account in zip(range(start, start + count), accounts, strict=True)
    )


def make_leads(org, start, count, *, owners=None):
    owners = itertools.cycle(owners or [org.rep, org.rep_teammate, org.sales_manager, None])
    sources = itertools.cycle(["web", "fair", "referral", "partner", "ads", ""])
    Lead.objects.bulk_create(
        Lead(
            last_name=f"Budget{i:03}",
            company=f"Company {i}",
            source=next(sources),
            owner=next(owners),
            team=org.team,
        )
        for i in range(start, start + count)
    )


def make_rep_leads(org, start, count):
    make_leads(org, start, count, owners=[org.rep, None])
    Account.objects.bulk_create(
        Account(name=f"Rep account {i:03}", owner=org.rep, team=org.team)
        for i in range(start, start + count)
    )


def make_tickets(org, start, count):
    accounts = Account.objects.bulk_create(
        Account(name=f"Ticket company {i:03}") for i in range(start, start + count)
    )
    queues = itertools.cycle([org.queue, org.other_queue, None])
    assignees = itertools.cycle([org.agent, org.other_agent, org.support_manager, None])
    priorities = itertools.cycle(["low", "normal", "high", "urgent"])
    Ticket.objects.bulk_create(
        Ticket(
            subject=f"Budget ticket {i:03}",
            account=account,
            queue=next(queues),
            assignee=next(assignees),
            priority=next(priorities),
        )
        for i, account in zip(range(start, start + count), accounts, strict=True)
    )


def make_queue_tickets(org, start, count):
    assignees = itertools.cycle([org.agent, None])
    Ticket.objects.bulk_create(
        Ticket(subject=f"Queue ticket {i:03}", queue=org.queue, assignee=next(assignees))
        for i in range(start, start + count)
    )


def make_users(org, start, count):
    roles = itertools.cycle(Role.values)
    users = User.objects.bulk_create(
        User(
            username=f"budget{i:03}",
            first_name="Budget",
            last_name=f"User{i:03}",
            email=f"budget{i:03}@example.com",
            role=next(roles),
            password="!",
        )
        for i in range(start, start + count)
    )
    TeamMembership.objects.bulk_create(TeamMembership(team=org.team, user=u) for u in users)


def make_teams(org, start, count):
    managers = itertools.cycle([org.sales_manager, org.other_manager, org.support_manager, None])
    kinds = itertools.cycle(Team.Kind.values)
    teams = Team.objects.bulk_create(
        Team(name=f"Budget team {i:03}", kind=next(kinds), manager=next(managers))
        for i in range(start, start + count)
    )
    TeamMembership.objects.bulk_create(
        TeamMembership(team=team, user=user)
        for team in teams
        for user in (org.rep, org.agent, org.marketing)
    )


HUB = "Budget hub"


def _hub(org):
    return Account.objects.get_or_create(name=HUB, defaults={"owner": org.rep, "team": org.team})[0]


def _hub_contact(org):
    return Contact.objects.get_or_create(
        last_name="Hubperson", defaults={"account": _hub(org), "owner": org.rep, "team": org.team}
    )[0]


def _timeline_rows(org, start, count, **where):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import TimelineEntry

    actors = itertools.cycle(_people(org))
    kinds = itertools.cycle(["call", "meeting", "note", "change", "consent", "ticket"])
    access = itertools.cycle([("customer", None, None), ("queue", org.agent, org.queue)])
    ct = ContentType.objects.get_for_model(Account)
    rows = []
    for i in range(start, start + count):
        kind, (access_kind, owner, team) = next(kinds), next(access)
        rows.append(
            TimelineEntry(
                subject_type=ct,
                subject_id=1,
                kind=kind,
                title=f"Entry {i}",
                occurred_at=timezone.now(),
                actor=next(actors),
                access_kind=access_kind,
                owner=owner,
                team=team,
                **where,
            )
        )
    TimelineEntry.objects.bulk_create(rows)


def make_account_360(org, start, count):
    """The account page: contacts, sub-accounts, related contacts, timeline, activities."""
    from accounts.models import AccountContactRelation, Activity

    hub = _hub(org)
    Contact.objects.bulk_create(
        Contact(last_name=f"Hub{i:03}", account=hub, owner=org.rep)
        for i in range(start, start + count)
    )
    children = Account.objects.bulk_create(
        Account(name=f"Hub child {i:03}", parent=hub) for i in range(start, start + count)
    )
    Account.objects.bulk_create(Account(name=f"Grandchild {c.pk}", parent=c) for c in children)
    elsewhere = Contact.objects.bulk_create(
        Contact(last_name=f"Related{i:03}") for i in range(start, start + count)
    )
    AccountContactRelation.objects.bulk_create(
        AccountContactRelation(account=hub, contact=c, role="Advisor") for c in elsewhere
    )
    _timeline_rows(org, start, count, account=hub)
    Activity.objects.bulk_create(
        Activity(kind="call", subject=f"Call {i}", account=hub, assigned_to=org.rep)
        for i in range(start, start + count)
    )
    hub.tags.add(f"tag{start}")


def make_contact_360(org, start, count):
    """The contact page: e-mails/phones, other accounts, consents, timeline."""
    from accounts.models import AccountContactRelation, Consent, ContactPoint

    person = _hub_contact(org)
    ContactPoint.objects.bulk_create(
        ContactPoint(contact=person, kind=("email", "phone")[i % 2], value=f"p{i}@example.com")
        for i in range(start, start + count)
    )
    accounts = Account.objects.bulk_create(
        Account(name=f"Also at {i:03}") for i in range(start, start + count)
    )
    AccountContactRelation.objects.bulk_create(
        AccountContactRelation(account=a, contact=person) for a in accounts
    )
    for channel in ("email", "phone", "sms")[: 1 if start == 0 else 3]:
        Consent.objects.update_or_create(
            contact=person, channel=channel,
            defaults={"status": "opted_in", "method": "form", "recorded_at": timezone.now()},
        )  # fmt: skip
    _timeline_rows(org, start, count, contact=person, account=person.account)


DETAIL_PAGES = {"accounts:account_detail": _hub, "accounts:contact_detail": _hub_contact}


def page_url(org, url_name):
    record = DETAIL_PAGES.get(url_name)
    return reverse(url_name, args=[record(org).pk]) if record else url_of(url_name)


def make_dashboard_rows(org, start, count):
    make_leads(org, start, count)
    make_tickets(org, start, count)


def make_activities(org, start, count):
    """The rep's open activities, overdue, today and in the coming days (list, My day and the
    week's calendar all show them), on changing accounts and contacts."""
    from accounts.models import Activity
    from accounts.views.activities import start_of_day

    today = start_of_day(timezone.localdate())
    accounts = Account.objects.bulk_create(
        Account(name=f"Activity company {i:03}") for i in range(start, start + count)
    )
    contacts = Contact.objects.bulk_create(
        Contact(last_name=f"Activity{i:03}", account=a) for i, a in enumerate(accounts, start)
    )
    kinds = itertools.cycle(["task", "meeting", "call"])
    offsets = itertools.cycle([-1, 0, 0, 1])  # yesterday, today, tomorrow (days)
    Activity.objects.bulk_create(
        Activity(
            kind=next(kinds),
            subject=f"Budget activity {i:03}",
            starts_at=today + timedelta(days=next(offsets), minutes=i),
            assigned_to=org.rep,
            team=org.team,
            account=account,
            contact=contact,
        )
        for i, account, contact in zip(range(start, start + count), accounts, contacts, strict=True)
    )


def make_search_rows(org, start, count):
    """Rows of every kind that the search "budget" finds (core.search)."""
    make_accounts(org, start, count)
    make_contacts(org, start, count)
    make_rep_leads(org, start, count)
    make_queue_tickets(org, start, count)


# URL name (with a query string, for search), role of the user who opens it, row maker.
PAGES = [
    ("accounts:account_list", "sales_rep", make_accounts),
    ("accounts:contact_list", "sales_rep", make_contacts),
    ("accounts:account_detail", "sales_rep", make_account_360),
    ("accounts:contact_detail", "sales_rep", make_contact_360),
    ("accounts:account_detail", "support_agent", make_account_360),  # + the tickets figure
    ("accounts:contact_detail", "support_agent", make_contact_360),
    ("sales:lead_list", "sales_manager", make_leads),
    ("sales:lead_list", "sales_rep", make_rep_leads),
    ("service:ticket_list", "support_manager", make_tickets),
    ("service:ticket_list", "support_agent", make_queue_tickets),
    ("users:user_list", "admin", make_users),
    ("users:team_list", "admin", make_teams),
    ("sales:workspace", "sales_rep", make_rep_leads),
    ("sales:workspace", "sales_manager", make_leads),
    ("service:workspace", "support_agent", make_queue_tickets),
    ("service:workspace", "support_manager", make_tickets),
    ("marketing:workspace", "marketing", make_leads),
    ("analytics:dashboard", "sales_manager", make_dashboard_rows),
    ("analytics:dashboard", "support_manager", make_dashboard_rows),
    ("analytics:dashboard", "admin", make_dashboard_rows),
    ("accounts:activity_list", "sales_rep", make_activities),
    ("accounts:my_day", "sales_rep", make_activities),
    ("accounts:calendar", "sales_rep", make_activities),
    ("core:search_suggest?q=budget", "admin", make_search_rows),
    ("core:search_suggest?q=budget", "sales_rep", make_search_rows),
    ("core:search?q=budget", "admin", make_search_rows),
    ("core:search?q=budget", "support_agent", make_search_rows),
]


def url_of(url_name: str) -> str:
    name, _, query = url_name.partition("?")
    return reverse(name) + (f"?{query}" if query else "")


WORKSPACES = [
    ("sales:workspace", "sales_rep"),
    ("service:workspace", "support_agent"),
    ("marketing:workspace", "marketing"),
    ("analytics:dashboard", "sales_manager"),
    ("analytics:dashboard", "support_manager"),
    ("analytics:dashboard", "admin"),
]


def count_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _explain(sql: list[str]) -> str:
    return "\n".join(f"  {i + 1}. {q[:300]}" for i, q in enumerate(sql))


def test_budgets_cover_the_pages():
    """Every page measured here has a budget, and every budget in the file is checked by some
    test (the sales, catalog and billing pages measure theirs in their own test modules)."""
    assert {name for name, _, _ in PAGES} <= set(BUDGETS)
    sources = "\n".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    unused = [name for name in BUDGETS if f'"{name}"' not in sources and name not in
              {n for n, _, _ in PAGES}]  # fmt: skip
    assert not unused, f"budgets no test checks: {unused}"


@pytest.mark.parametrize(("url_name", "role", "make"), PAGES, ids=[f"{n}-{r}" for n, r, _ in PAGES])
def test_query_count_does_not_grow_with_rows(client, org, url_name, role, make):
    client.force_login(org.by_role()[role])

    make(org, 0, FEW)
    url = page_url(org, url_name)  # a detail page's record exists once rows are made
    client.get(url)  # warm-up: per-process caches (content types, …) are not the page's cost
    few, few_sql = count_queries(client, url)

    make(org, FEW, MANY - FEW)
    many, many_sql = count_queries(client, url)

    assert few == many, (
        f"{url_name} as {role}: {few} queries with {FEW} rows, {many} with {MANY} "
        f"(N+1?)\n{FEW} rows:\n{_explain(few_sql)}\n{MANY} rows:\n{_explain(many_sql)}"
    )
    assert many <= BUDGETS[url_name], (
        f"{url_name} as {role}: {many} queries, budget {BUDGETS[url_name]}\n{_explain(many_sql)}"
    )


@pytest.mark.parametrize(("url_name", "role"), WORKSPACES, ids=[f"{n}-{r}" for n, r in WORKSPACES])
def test_empty_workspace_is_a_cheap_app_shell(client, org, url_name, role):
    url = reverse(url_name)
    client.force_login(org.by_role()[role])
    client.get(url)

    count, sql = count_queries(client, url)

    assert count <= APP_SHELL_BUDGET, f"{url_name} as {role}: {count} queries\n{_explain(sql)}"


@pytest.mark.parametrize(
    ("url_name", "role", "make"),
    [p for p in PAGES if p[0].endswith("_list")],
    ids=[f"{n}-{r}" for n, r, _ in PAGES if n.endswith("_list")],
)
def test_csv_export_query_count_does_not_grow_with_rows(client, org, url_name, role, make):
    url = reverse(url_name) + "?export=csv"
    client.force_login(org.by_role()[role])

    make(org, 0, FEW)
    client.get(url)
    few, few_sql = count_queries(client, url)
    make(org, FEW, MANY - FEW)
    many, many_sql = count_queries(client, url)

    assert few == many, f"{url_name} export:\n{_explain(few_sql)}\n---\n{_explain(many_sql)}"


@pytest.mark.parametrize(
    ("url_name", "role", "make"),
    [p for p in PAGES if p[0].endswith("_list")],
    ids=[f"{n}-{r}" for n, r, _ in PAGES if n.endswith("_list")],
)
def test_list_pages_never_count_all_rows(client, org, url_name, role, make):
    """Lists page lazily (one row more than shown): no COUNT over every visible row."""
    client.force_login(org.by_role()[role])
    make(org, 0, FEW)

    _, sql = count_queries(client, reverse(url_name))

    assert not [q for q in sql if "COUNT(*)" in q], _explain(sql)


def test_page_size_is_one_of_the_offered_choices(client, org):
    make_accounts(org, 0, MANY)
    client.force_login(org.rep)

    def rows(**params):
        response = client.get(reverse("accounts:account_list"), params)
        assert response.status_code == 200, params
        return len(set(re.findall(r'href="/accounts/\d+/"', response.content.decode())))

    assert rows() == 25
    assert rows(per_page="50") == 50
    for asked in ("1000000", "-1", "abc", "26"):
        assert rows(per_page=asked) == 25, asked
    assert rows(page="3") == 10
    for page in ("0", "abc", "999"):  # an impossible page shows the first one
        assert rows(page=page) == 25, page

    # sorting still comes from the request
    page = client.get(reverse("accounts:account_list"), {"sort": "-name"}).content.decode()
    assert page.index("Budget account 059") < page.index("Budget account 058")
    assert "Budget account 000" not in page


def test_rep_workspace_figures(client, org, records):
    """The counters the sales workspace reads in one query."""
    make_leads(org, 0, 4, owners=[org.rep, None])  # 2 mine, 2 in the team queue
    Lead.objects.filter(pk=records.lead.pk).update(status=Lead.Status.QUALIFIED)  # not open
    Account.objects.create(name="Also mine", owner=org.rep)
    client.force_login(org.rep)

    page = client.get(reverse("sales:workspace")).content.decode()

    figures = dict(re.findall(r'class="label">([^<]+)</div><div class="value">(\d+)<', page))
    # records: account (mine); queue_lead (queue); teammate/other leads are not counted
    assert figures == {"My open leads": "2", "Team queue": "3", "My accounts": "2"}


def test_rep_without_a_team_gets_an_empty_workspace(client, org):
    loner = User.objects.create_user("loner", "loner@example.com", role=Role.SALES_REP)
    make_leads(org, 0, 3)  # North's leads: none of them the loner's
    client.force_login(loner)

    response = client.get(reverse("sales:workspace"))

    assert response.status_code == 200
    page = response.content.decode()
    figures = dict(re.findall(r'class="label">([^<]+)</div><div class="value">(\d+)<', page))
    assert figures == {"My open leads": "0", "Team queue": "0", "My accounts": "0"}
