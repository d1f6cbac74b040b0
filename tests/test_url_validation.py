"""One rule for web addresses: http or https only (issue 16, item 7).

``POST /api/v1/leads/`` took ``{"website": "javascript:alert(1)"}`` and the lead page showed
it as a link. ``core.validators.validate_web_url`` now guards every URL field (accounts,
leads, competitors) in forms, the API, the Salesforce import and the import wizard's URL
columns; a stored address from before is shown as text, never as a link.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account
from sales.models import Lead

from .api_helpers import API, client_for, send

BAD = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>",
       "ftp://files.example.com/", "file:///etc/passwd", "vbscript:msgbox(1)"]  # fmt: skip
GOOD = ["https://acme.example/", "http://acme.example/about?x=1"]


@pytest.mark.parametrize("url", BAD)
def test_api_refuses_a_non_web_address_for_leads_and_accounts(org, url):
    client = client_for(org.rep)
    lead = send(client, "post", f"{API}/leads/",
                {"last_name": "Mallory", "company": "Evil", "website": url})  # fmt: skip
    assert lead.status_code == 400, lead.content
    assert "website" in lead.content.decode()
    account = send(client, "post", f"{API}/accounts/", {"name": "Evil", "website": url})
    assert account.status_code == 400, account.content
    assert not Lead.objects.filter(company="Evil").exists()
    assert not Account.objects.filter(name="Evil").exists()


@pytest.mark.parametrize("url", GOOD)
def test_api_takes_a_web_address(org, url):
    client = client_for(org.rep)
    lead = send(client, "post", f"{API}/leads/",
                {"last_name": "Trent", "company": "Good", "website": url})  # fmt: skip
    assert lead.status_code == 201, lead.content
    assert Lead.objects.get(pk=lead.json()["id"]).website == url


def test_forms_refuse_a_non_web_address(client, org):
    """The edit pages answer 400 with the field's message."""
    client.force_login(org.rep)
    lead = {"last_name": "Mallory", "company": "Evil", "status": "new",
            "website": "javascript:alert(1)"}  # fmt: skip
    response = client.post(reverse("sales:lead_add"), lead)
    assert response.status_code == 400 and "http:// or https://" in response.content.decode()
    account = {"name": "Evil", "website": "ftp://files.example/"}
    response = client.post(reverse("accounts:account_add"), account)
    assert response.status_code == 400 and "http:// or https://" in response.content.decode()
    assert not Lead.objects.filter(company="Evil").exists()
    assert not Account.objects.filter(name="Evil").exists()


def test_salesforce_import_leaves_a_non_web_address_empty(org, tmp_path):
    (tmp_path / "Account.csv").write_text(
        "Id,Name,Website\n001A00000000001AAA,Evil Co,javascript:alert(1)\n"
        "001A00000000002AAA,Good Co,www.good.example\n"
    )
    (tmp_path / "Lead.csv").write_text(
        "Id,LastName,Company,Status,Website\n"
        "00QA00000000001AAA,Mallory,Evil Inc,Open - Not Contacted,javascript:alert(1)\n"
        "00QA00000000002AAA,Trent,Good Inc,Open - Not Contacted,https://good.example/\n"
    )
    call_command("import_salesforce", str(tmp_path), stdout=StringIO())
    assert Account.objects.get(name="Evil Co").website == ""
    assert Account.objects.get(name="Good Co").website == "https://www.good.example"
    assert Lead.objects.get(last_name="Mallory").website == ""
    assert Lead.objects.get(last_name="Trent").website == "https://good.example/"


def test_a_stored_non_web_address_is_shown_as_text(client, org, records):
    """Data from before the rule is not migrated; it must never become a clickable link."""
    Lead.objects.filter(pk=records.lead.pk).update(website="javascript:alert(1)")
    Account.objects.filter(pk=records.account.pk).update(website="javascript:alert(2)")
    client.force_login(org.rep)
    for url, value in ((reverse("sales:lead_detail", args=[records.lead.pk]), "alert(1)"),
                       (reverse("accounts:account_detail", args=[records.account.pk]),
                        "alert(2)")):  # fmt: skip
        html = client.get(url).content.decode()
        assert f"javascript:{value}" in html  # shown…
        assert f'href="javascript:{value}"' not in html  # …but not as a link

    Account.objects.filter(pk=records.account.pk).update(website="https://acme.example/")
    html = client.get(reverse("accounts:account_detail", args=[records.account.pk])).content
    assert b'href="https://acme.example/"' in html
