"""Global search (core.search): matching, grouping, row-level access, escaping, and the list
pages' ``q`` using the same matching."""

import re

import pytest
from django.urls import reverse

from accounts.models import Account, Contact, ContactPoint
from core import search
from sales.models import Lead
from service.models import Ticket

from .factories import AccountFactory, ContactFactory, LeadFactory, TicketFactory

pytestmark = pytest.mark.django_db


def suggest(client, q):
    response = client.get(reverse("core:search_suggest"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def groups(html):
    """{kind: [titles]} of a dropdown or results page."""
    found = {}
    for kind, body in re.findall(r'data-kind="(\w+)"(.*?)</section>', html, re.S):
        titles = re.findall(r'class="(?:search-hit-title|text-truncate)">([^<]*)<', body)
        found[kind] = [t.strip() for t in titles]
    return found


@pytest.fixture
def people(org):
    acme = AccountFactory(name="Acme Robotics", phone="+39 02 555 0100", owner=org.rep)
    return {
        "acme": acme,
        "john": ContactFactory(
            first_name="John",
            last_name="Smith",
            email="John.Smith@Example.com",
            phone="+39 (02) 1234-5678",
            account=acme,
        ),
        "jane": ContactFactory(first_name="Jane", last_name="Doe", email="jane@example.com"),
        "johnson": ContactFactory(first_name="Mary", last_name="Johnson"),
    }


def test_exact_email_finds_the_contact_case_insensitively(client, org, people):
    client.force_login(org.rep)
    assert groups(suggest(client, "john.smith@EXAMPLE.com")) == {"contacts": ["John Smith"]}


def test_a_further_email_finds_the_contact(client, org, people):
    ContactPoint.objects.create(contact=people["jane"], kind="email", value="J.Doe@Work.example")
    client.force_login(org.rep)
    assert groups(suggest(client, "j.doe@work.example"))["contacts"] == ["Jane Doe"]


def test_partial_name_while_typing(client, org, people):
    client.force_login(org.rep)
    found = groups(suggest(client, "smi"))
    assert found["contacts"] == ["John Smith"]
    assert "Jane Doe" not in suggest(client, "smi")


def test_misspelled_name_finds_the_contact(client, org, people):
    client.force_login(org.rep)
    assert groups(suggest(client, "Jonh Smiht"))["contacts"][0] == "John Smith"


def test_phone_digits_match_whatever_the_formatting(client, org, people):
    client.force_login(org.rep)
    for typed in ("0212345678", "02 1234 5678", "12345678", "+39 02 1234 5678"):
        assert groups(suggest(client, typed)) == {"contacts": ["John Smith"]}, typed
    assert groups(suggest(client, "02 555 0100")) == {"accounts": ["Acme Robotics"]}


def test_company_name_finds_account_and_lead(client, org, people):
    LeadFactory(first_name="Pia", last_name="Neri", company="Acme Robotics", owner=org.rep)
    client.force_login(org.rep)
    found = groups(suggest(client, "acme robo"))
    assert found["accounts"] == ["Acme Robotics"]
    assert found["leads"] == ["Pia Neri (Acme Robotics)"]


def test_results_are_grouped_with_top_five_and_see_all(client, org, people):
    for i in range(7):
        ContactFactory(first_name="Zoe", last_name=f"Zimmer{i}")
    AccountFactory(name="Zimmer Holding")
    client.force_login(org.admin)

    html = suggest(client, "zimmer")

    found = groups(html)
    assert list(found) == ["accounts", "contacts"]  # kinds in a fixed order
    assert len(found["contacts"]) == 5
    assert f'href="{reverse("accounts:contact_list")}?q=zimmer"' in html
    # "see all" lists the same matches, best first
    page = client.get(reverse("accounts:contact_list"), {"q": "zimmer"}).content.decode()
    assert len(set(re.findall(r'href="/contacts/(\d+)/"', page))) == 7


def test_full_results_page(client, org, people):
    client.force_login(org.rep)
    response = client.get(reverse("core:search"), {"q": "smith"})
    assert response.status_code == 200
    assert groups(response.content.decode())["contacts"] == ["John Smith"]
    assert (
        "at least 2 characters" in client.get(reverse("core:search"), {"q": "s"}).content.decode()
    )


def test_too_short_a_query_answers_nothing(client, org, people):
    client.force_login(org.rep)
    assert suggest(client, "j").strip() == ""


def test_rep_sees_all_customers_but_only_own_leads_and_no_tickets(client, org, records):
    for obj in (records.lead, records.queue_lead, records.teammate_lead, records.other_lead):
        Lead.objects.filter(pk=obj.pk).update(company="Quokka Labs")
    Ticket.objects.update(subject="Quokka Labs printer")
    Account.objects.update(name="Quokka Labs")
    Contact.objects.update(last_name="Quokka")
    client.force_login(org.rep)

    html = suggest(client, "quokka")
    found = groups(html)

    assert set(found) == {"accounts", "contacts", "leads"}
    assert len(found["accounts"]) == 2 and len(found["contacts"]) == 2  # every team's
    leads = Lead.objects.filter(pk__in=[records.lead.pk, records.queue_lead.pk])
    assert sorted(found["leads"]) == sorted(str(lead) for lead in leads)
    for hidden in (records.teammate_lead, records.other_lead, records.ticket):
        assert hidden.get_absolute_url() not in html
    # the results page and the lead list's "see all" agree
    page = client.get(reverse("core:search"), {"q": "quokka"}).content.decode()
    assert records.other_lead.get_absolute_url() not in page
    assert 'data-kind="tickets"' not in page
    listed = client.get(reverse("sales:lead_list"), {"q": "quokka"}).content.decode()
    assert records.other_lead.get_absolute_url() not in listed
    assert records.lead.get_absolute_url() in listed


def test_marketing_gets_no_lead_group_agent_only_queue_tickets(client, org, records):
    Lead.objects.update(company="Wombat")
    Account.objects.filter(pk=records.account.pk).update(name="Wombat Inc")
    Ticket.objects.update(subject="Wombat outage")
    client.force_login(org.marketing)
    assert set(groups(suggest(client, "wombat"))) == {"accounts"}

    client.force_login(org.agent)
    found = groups(suggest(client, "wombat"))
    assert set(found) == {"accounts", "tickets"}
    records.ticket.refresh_from_db()
    assert found["tickets"] == [str(records.ticket)]


def test_ticket_by_number(client, org, records):
    client.force_login(org.support_manager)
    assert groups(suggest(client, f"#{records.ticket.pk}"))["tickets"] == [str(records.ticket)]


def test_names_are_escaped_in_the_dropdown(client, org):
    evil = '<img src=x onerror="alert(1)">Evil'
    ContactFactory(first_name="Xss", last_name=evil, title="<b>boss</b>")
    AccountFactory(name="<script>alert(2)</script> Evilcorp")
    client.force_login(org.rep)

    for q in ("evil", "<script>", "evilcorp"):
        html = suggest(client, q)
        assert "<img" not in html and "<script>" not in html and "<b>" not in html, q
    html = suggest(client, "evil")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Evil" in html
    assert "&lt;b&gt;boss&lt;/b&gt;" in html
    page = client.get(reverse("core:search"), {"q": '"><script>alert(3)</script>'})
    assert "<script>alert(3)" not in page.content.decode()


def test_search_needs_a_login(client):
    for name in ("core:search", "core:search_suggest"):
        response = client.get(reverse(name), {"q": "smith"})
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_search_box_is_on_every_page(client, org):
    client.force_login(org.marketing)
    html = client.get(reverse("accounts:account_list")).content.decode()
    assert f'hx-get="{reverse("core:search_suggest")}"' in html
    assert "delay:250ms" in html


def test_list_q_uses_the_same_matching(client, org, people):
    client.force_login(org.rep)
    page = client.get(reverse("accounts:contact_list"), {"q": "Jonh Smiht"}).content.decode()
    assert people["john"].get_absolute_url() in page
    page = client.get(reverse("accounts:contact_list"), {"q": "02 1234 5678"}).content.decode()
    assert people["john"].get_absolute_url() in page
    assert people["jane"].get_absolute_url() not in page
    page = client.get(reverse("accounts:account_list"), {"q": "acme"}).content.decode()
    assert people["acme"].get_absolute_url() in page
    ticket = TicketFactory(subject="Broken elevator")
    client.force_login(org.support_manager)
    page = client.get(reverse("service:ticket_list"), {"q": "elevatr"}).content.decode()
    assert ticket.get_absolute_url() in page


def test_one_word_lists_names_starting_with_it_before_look_alikes(client, org):
    # One word: the names with a word starting with it; names merely similar to it only when
    # those are fewer than a group (core.search.Provider.single_word_condition).
    schmidts = [ContactFactory(first_name=f"Ute{i}", last_name="Schmidt") for i in range(5)]
    hyphenated = ContactFactory(first_name="Eva", last_name="Lind-Schmid")  # a word starts
    similar = [
        ContactFactory(first_name="Uwe", last_name="Schmitt"),
        ContactFactory(first_name="Udo", last_name="Goldschmidt"),  # inside a word
    ]
    client.force_login(org.rep)

    def listed(q):
        page = client.get(reverse("accounts:contact_list"), {"q": q}).content.decode()
        return {c for c in Contact.objects.all() if c.get_absolute_url() in page}

    assert listed("schmid") == {*schmidts, hyphenated}
    # ranked by word similarity as before: the exact word first, then by name
    assert groups(suggest(client, "schmid"))["contacts"] == [
        str(c) for c in [hyphenated, *schmidts[:4]]
    ]

    for contact in schmidts[:3]:
        contact.delete()
    # three left: fewer than a group, the similar names join them, after them
    assert listed("schmid") == {*schmidts[3:], hyphenated, *similar}
    found = groups(suggest(client, "schmid"))["contacts"]
    assert found[:3] == [str(c) for c in [hyphenated, *schmidts[3:]]]
    assert set(found[3:]) == {str(c) for c in similar}

    # one misspelled word still finds the names (nothing starts with it)
    found = groups(suggest(client, "Schmitd"))["contacts"]
    assert str(similar[0]) in found and str(schmidts[3]) in found


def test_prefix_condition_takes_like_and_regex_characters_literally(org):
    ContactFactory(first_name="Ann", last_name="Schmid")
    ContactFactory(first_name="Bob", last_name="O'Brien-Smith")
    provider = search.provider_for(Contact)

    def prefixed(word):
        rows = Contact.objects.alias(**provider.names).filter(provider.prefix_condition(word))
        return sorted(c.last_name for c in rows)

    assert prefixed("schmid") == ["Schmid"]
    assert prefixed("s_hmid") == prefixed("sch%") == prefixed("sch.id") == []
    assert prefixed("o'brien") == prefixed("smi") == prefixed("brien") == ["O'Brien-Smith"]
