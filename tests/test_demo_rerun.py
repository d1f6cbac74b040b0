"""A second `manage.py load_demo` (every `make run` runs it) finds the demo's records by their
own external ids only: records users made with the demo's names, e-mails and subjects are left
alone and trip nothing up (issue 16, item 5), and a database loaded before those ids existed
gets them once instead of a second copy of the demo."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Account, Activity, Contact
from accounts.services import account_save, activity_save, contact_save
from billing.models import Invoice, Order
from sales.leads.services import lead_save
from sales.models import AssignmentRule, Lead, Opportunity
from sales.pipeline.services import opportunity_delete
from service.models import Ticket
from tests.factories import AssignmentRuleFactory, OrderFactory, TicketFactory
from users.models import Team, TeamMembership, User

pytestmark = pytest.mark.django_db(transaction=False)

DEMO = {  # model -> the demo's external ids
    Account: "demo:account:",
    Contact: "demo:contact:",
    Lead: "demo:lead:",
    Activity: "demo:",
    Ticket: "demo:ticket:",
    AssignmentRule: "demo:rule:",
    Opportunity: "maven:",
}


def load_demo():
    call_command("load_demo", stdout=io.StringIO())


def demo_ids():
    return {
        model.__name__: sorted(
            model.objects.filter(external_id__startswith=prefix).values_list(
                "external_id", flat=True
            )
        )
        for model, prefix in DEMO.items()
    }


def totals():
    return {model.__name__: model.objects.count() for model in [*DEMO, Invoice, Order, User]}


def test_second_load_leaves_users_records_with_the_demos_names_alone():
    load_demo()
    anna = User.objects.get(username="anna.snelling")
    demo_account = Account.objects.filter(external_id__startswith="demo:account:").first()
    demo_contact = Contact.objects.filter(account=demo_account).order_by("pk").first()
    demo_lead = Lead.objects.filter(external_id__startswith="demo:lead:").order_by("pk").first()
    demo_ticket = Ticket.objects.get(external_id="demo:ticket:0")
    demo_rule = AssignmentRule.objects.get(external_id="demo:rule:1")
    # a demo deal with a logged call, deleted by its owner (the call stays)
    call = Activity.objects.filter(external_id__startswith="demo:opportunity:").first()
    deal = Opportunity.objects.get(pk=call.related_id)
    opportunity_delete(opportunity=deal, by=deal.owner)
    # a renamed demo account and a new rep in a demo team change no demo record's id
    renamed = Account.objects.filter(external_id__startswith="demo:account:").last()
    account_save(account=renamed, data={"name": "Renamed by a user"}, by=anna)
    newcomer = User.objects.create(username="new.rep", role=anna.role)
    membership = TeamMembership.objects.create(team=Team.objects.get(members=anna), user=newcomer)

    # Users' own records with the demo's names
    mine = {
        "account": account_save(data={"name": demo_account.name, "owner": anna}, by=anna),
        "contact": contact_save(
            data={
                "first_name": "Own",
                "last_name": "Contact",
                "email": demo_contact.email,
                "account": demo_account,
                "owner": anna,
            },
            by=anna,
        ),  # fmt: skip
        "lead": lead_save(
            data={
                "first_name": demo_lead.first_name,
                "last_name": demo_lead.last_name,
                "company": demo_lead.company,
                "email": demo_lead.email,
                "owner": anna,
            },
            by=anna,
        ),  # fmt: skip
        "activity": activity_save(
            data={
                "kind": "call",
                "subject": "Follow-up call",
                "account": demo_account,
                "assigned_to": anna,
            },
            by=anna,
        ),  # fmt: skip
        "ticket": TicketFactory(subject=demo_ticket.subject, account=demo_ticket.account),
        "rule": AssignmentRuleFactory(name=demo_rule.name, team=demo_rule.team),
        "membership": membership,  # no lead capacity set for a rep the demo does not know
        "order": OrderFactory(account=demo_account, currency="USD", total=Decimal("500.00")),
    }
    before_ids, before_totals = demo_ids(), totals()
    saved = {name: model_to_values(record) for name, record in mine.items()}

    load_demo()

    after = demo_ids()
    # the deleted deal is back, with its own call kept (no second one); nothing else is new
    assert after == before_ids | {"Opportunity": sorted([*before_ids["Opportunity"],
                                                         deal.external_id])}  # fmt: skip
    assert totals() == before_totals | {"Opportunity": before_totals["Opportunity"] + 1}
    assert Account.objects.filter(external_id=renamed.external_id).get().name == (
        "Renamed by a user"
    )
    # the users' records are untouched: not adopted, not changed, not invoiced
    for name, record in mine.items():
        assert model_to_values(type(record).objects.get(pk=record.pk)) == saved[name], name
    assert not Invoice.objects.filter(order=mine["order"]).exists()


def test_a_database_loaded_before_the_demo_had_external_ids_gets_them_once():
    load_demo()
    before = totals()
    lead_ids = dict(
        Lead.objects.filter(external_id__startswith="demo:lead:").values_list("pk", "external_id")
    )
    # what the loader left before: no ids on accounts, contacts, tickets and rules; a lead
    # marked with its own primary key
    Account.objects.filter(external_id__startswith="demo:account:").update(external_id=None)
    Contact.objects.filter(external_id__startswith="demo:contact:").update(external_id=None)
    Ticket.objects.filter(external_id__startswith="demo:ticket:").update(external_id="")
    AssignmentRule.objects.filter(external_id__startswith="demo:rule:").update(external_id="")
    for pk in lead_ids:
        Lead.objects.filter(pk=pk).update(external_id=f"demo:lead:{pk}")

    load_demo()

    assert totals() == before
    assert (
        dict(
            Lead.objects.filter(external_id__startswith="demo:lead:").values_list(
                "pk", "external_id"
            )
        )
        == lead_ids
    )
    assert not Account.objects.filter(external_id__isnull=True).exists()
    assert not Contact.objects.filter(external_id__isnull=True).exists()
    assert not Ticket.objects.filter(external_id="").exists()


def model_to_values(record):
    return {
        field.attname: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.attname != "updated_at"
    }
