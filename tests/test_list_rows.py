"""Lists whose rows come from a row template (core/tables.py): a cell under every header,
with and without the bulk checkbox, sorting and paging still the table's."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.tables import RecordTable

from .factories import LeadFactory, OpportunityFactory, stage_named

pytestmark = pytest.mark.django_db


def shape(html: str) -> tuple[int, list[int]]:
    """(header cells, cells of each body row) of the page's table."""
    table = html[html.index("<table") : html.index("</table>")]
    head = table[: table.index("</thead>")]
    body = table[table.index("<tbody") :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return len(re.findall(r"<th\b", head)), [len(re.findall(r"<td\b", r)) for r in rows]


def test_the_big_lists_have_row_templates():
    from sales.leads.tables import LeadTable
    from sales.pipeline.tables import OpportunityTable

    assert RecordTable.row_template is None  # the others: the library's cells
    assert OpportunityTable.row_template and LeadTable.row_template


@pytest.mark.parametrize("sort", ["", "-amount", "close_date", "stage", "owner"])
def test_opportunity_rows_fit_the_headers(client, org, sort):
    OpportunityFactory(owner=org.rep, team=org.team, amount=Decimal("1234.5"), name="Big <b>deal")
    OpportunityFactory(owner=org.rep, team=org.team, stage=stage_named("Won"), account=None)
    client.force_login(org.rep)
    response = client.get(reverse("sales:opportunity_list"), {"sort": sort} if sort else {})
    html = response.content.decode()
    headers, rows = shape(html)
    assert rows == [headers, headers]
    assert "1,234.50 USD" in html and "Big &lt;b&gt;deal" in html
    assert '<span class="badge text-bg-success">Won</span>' in html


def test_lead_rows_fit_the_headers_and_say_unassigned(client, org):
    LeadFactory(team=org.team, owner=None, first_name="Ada", last_name="Queue", score=75)
    LeadFactory(team=org.team, owner=org.rep, first_name="Bo", last_name="Mine", score=10)
    client.force_login(org.sales_manager)
    html = client.get(reverse("sales:lead_list")).content.decode()
    headers, rows = shape(html)
    assert rows == [headers, headers]
    assert "Unassigned" in html and "text-bg-success" in html  # score 75


def test_rows_without_bulk_actions_drop_the_checkbox(org, rf):
    from sales.pipeline.tables import OpportunityTable

    deal = OpportunityFactory(owner=org.rep, team=org.team)
    request = rf.get("/")
    request.user = org.rep
    table = OpportunityTable([deal])
    table.bulk_enabled = False
    html = table.as_html(request)
    headers, rows = shape(html)
    assert rows == [headers] and 'name="pk"' not in html
