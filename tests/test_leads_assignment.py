"""Lead assignment: ordered rules and their conditions, round-robin fairness, capacity, away
reps, the unassigned queue, logs and notifications, concurrency; the rules page."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from core.models import Notification
from sales.leads.assignment import assign_leads
from sales.leads.services import lead_save
from sales.models import AssignmentLog, AssignmentRule, Lead
from users.models import TeamMembership

from .factories import (
    AssignmentRuleFactory,
    LeadFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
)


def reps(n, prefix="r"):
    return [UserFactory(username=f"{prefix}{i}", role="sales_rep") for i in range(n)]


def owners_of(leads):
    return [Lead.objects.get(pk=lead.pk).owner_id for lead in leads]


# -- rules: order and conditions -----------------------------------------------------------------


def test_first_matching_rule_wins_in_position_order(org):
    east = TeamFactory(name="East", members=reps(1, "e"))
    west = TeamFactory(name="West", members=reps(1, "w"))
    AssignmentRuleFactory(name="Later", position=2, countries=["Italy"], team=west)
    AssignmentRuleFactory(name="First", position=1, countries=["italy", "Spain"], team=east)
    lead = LeadFactory(country="Italy")

    assert assign_leads([lead]) == 1

    lead.refresh_from_db()
    assert lead.team == east and lead.owner.username == "e0"
    log = AssignmentLog.objects.get(lead=lead)
    assert log.rule.name == "First" and log.assigned_by is None


def test_inactive_rule_is_skipped(org):
    team = TeamFactory(members=reps(1))
    AssignmentRuleFactory(position=1, team=org.other_team, active=False)
    AssignmentRuleFactory(position=2, team=team)
    lead = LeadFactory()
    assign_leads([lead])
    lead.refresh_from_db()
    assert lead.team == team


@pytest.mark.parametrize(
    ("lead_facts", "matches"),
    [
        ({"region": "Central", "source": "Web form", "employees": 500}, True),
        ({"country": "central", "source": "web FORM", "employees": 100}, True),
        ({"region": "East", "source": "Web form", "employees": 500}, False),  # place
        ({"region": "Central", "source": "Fair", "employees": 500}, False),  # source
        ({"region": "Central", "source": "Web form", "employees": 99}, False),  # too small
        ({"region": "Central", "source": "Web form", "employees": 1001}, False),  # too big
        ({"region": "Central", "source": "Web form", "employees": None}, False),  # unknown size
    ],
)
def test_rule_conditions(org, lead_facts, matches):
    team = TeamFactory(members=reps(1))
    AssignmentRuleFactory(
        countries=["Central"],
        sources=["Web form"],
        min_employees=100,
        max_employees=1000,
        team=team,
    )
    lead = LeadFactory(**lead_facts)
    assign_leads([lead])
    lead.refresh_from_db()
    assert (lead.team == team) is matches
    assert (lead.owner is not None) is matches


def test_product_interest_condition(org):
    laptop, printer = ProductFactory(), ProductFactory()
    team = TeamFactory(members=reps(1))
    AssignmentRuleFactory(team=team, products=[laptop])
    wants_laptop, wants_printer = LeadFactory(), LeadFactory()
    wants_laptop.interest.set([laptop, printer])
    wants_printer.interest.set([printer])

    assert assign_leads([wants_laptop, wants_printer]) == 1

    assert owners_of([wants_laptop, wants_printer])[1] is None
    assert Lead.objects.get(pk=wants_laptop.pk).team == team


def test_no_rule_leaves_the_lead_in_the_queue(org):
    AssignmentRuleFactory(countries=["Japan"], team=TeamFactory(members=reps(1)))
    lead = LeadFactory(country="Italy", team=None)

    assert assign_leads([lead]) == 0

    lead.refresh_from_db()
    assert (lead.owner, lead.team) == (None, None)
    assert not AssignmentLog.objects.filter(lead=lead).exists()


def test_leads_with_an_owner_are_left_alone(org):
    AssignmentRuleFactory(team=TeamFactory(members=reps(1)))
    lead = LeadFactory(owner=org.rep, team=org.team)
    assert assign_leads([lead]) == 0
    lead.refresh_from_db()
    assert (lead.owner, lead.team) == (org.rep, org.team)


# -- round-robin, capacity, away -----------------------------------------------------------------


def test_round_robin_is_fair_over_many_leads_and_runs(org):
    people = reps(4)
    team = TeamFactory(members=people)
    AssignmentRuleFactory(team=team)
    leads = [LeadFactory(team=None) for _ in range(10)]

    assign_leads(leads[:7])  # two runs: the second continues where the first stopped
    assign_leads(leads[7:])

    counts = {u.pk: Lead.objects.filter(owner=u).count() for u in people}
    assert sorted(counts.values()) in ([2, 2, 3, 3],)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_fairest_first_is_the_one_who_got_a_lead_longest_ago(org):
    early, late, never = reps(3)
    team = TeamFactory(members=[early, late, never])
    AssignmentRuleFactory(team=team)
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    TeamMembership.objects.filter(team=team, user=early).update(last_lead_at=now - timedelta(2))
    TeamMembership.objects.filter(team=team, user=late).update(last_lead_at=now - timedelta(1))
    first, second, third = (LeadFactory() for _ in range(3))

    for lead in (first, second, third):
        assign_leads([lead])

    assert owners_of([first, second, third]) == [never.pk, early.pk, late.pk]


def test_capacity_is_respected(org):
    small, big = reps(2)
    team = TeamFactory(members=[small, big])
    TeamMembership.objects.filter(team=team, user=small).update(max_open_leads=2)
    LeadFactory(owner=small, status="working")  # already holds one open lead
    LeadFactory(owner=small, status="qualified")  # not open: does not count
    AssignmentRuleFactory(team=team)
    leads = [LeadFactory() for _ in range(6)]

    assert assign_leads(leads) == 6

    assert Lead.objects.filter(owner=small, status__in=["new", "working"]).count() == 2
    assert Lead.objects.filter(owner=big).count() == 5


def test_no_rep_with_room_leaves_leads_in_the_rule_teams_queue(org):
    (rep,) = reps(1)
    team = TeamFactory(members=[rep])
    TeamMembership.objects.filter(team=team).update(max_open_leads=1)
    AssignmentRuleFactory(name="Full team", team=team)
    first, second = LeadFactory(), LeadFactory()

    assert assign_leads([first, second]) == 1

    second.refresh_from_db()
    assert (second.owner, second.team) == (None, team)
    assert "every rep of" in AssignmentLog.objects.get(lead=second).note
    # Rerunning the rules changes nothing (and logs nothing) while the team is full.
    assert assign_leads([second]) == 0
    assert AssignmentLog.objects.filter(lead=second).count() == 1


def test_away_reps_managers_and_other_roles_are_skipped(org):
    here, away = reps(2)
    away.is_away = True
    away.save()
    manager = UserFactory(username="mgr", role="sales_manager")
    team = TeamFactory(members=[here, away, manager])
    AssignmentRuleFactory(team=team)
    leads = [LeadFactory() for _ in range(3)]

    assign_leads(leads)

    assert set(owners_of(leads)) == {here.pk}


def test_rule_without_round_robin_fills_the_team_queue(org):
    team = TeamFactory(members=reps(1))
    AssignmentRuleFactory(team=team, round_robin=False)
    lead = LeadFactory()
    assert assign_leads([lead]) == 0
    lead.refresh_from_db()
    assert (lead.owner, lead.team) == (None, team)


# -- logs, notifications, the timeline -----------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_assignment_is_logged_and_the_rep_notified(
    org, smtp_server, purge_queue, celery_worker_factory
):
    (rep,) = reps(1)
    team = TeamFactory(members=[rep])
    AssignmentRuleFactory(name="All", team=team)
    celery_worker_factory()

    with transaction.atomic():
        one = lead_save(data={"last_name": "Solo", "company": "Acme"}, by=None)
    with transaction.atomic():
        many = [LeadFactory() for _ in range(3)]
        assign_leads(many)

    one.refresh_from_db()
    assert one.owner == rep and one.assigned_at is not None
    log = AssignmentLog.objects.get(lead=one)
    assert (log.owner, log.team, log.rule.name) == (rep, team, "All")
    subjects = sorted(Notification.objects.filter(user=rep).values_list("subject", flat=True))
    assert subjects == ["3 new leads for you", "New lead for you: Solo (Acme)"]
    mails = smtp_server.wait_for(2, timeout=20)
    assert sorted(m["Subject"] for m in mails) == subjects
    assert all(m["To"] == rep.email for m in mails)
    # the lead's timeline entry follows its owner and team (sales access)
    from sales.leads import timeline

    entry = timeline.entries_of(one).get()
    assert (entry.owner_id, entry.team_id, entry.access_kind) == (rep.pk, team.pk, "sales")


# -- concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_do_not_double_book_a_rep():
    (rep,) = reps(1)
    team = TeamFactory(members=[rep])
    TeamMembership.objects.filter(team=team).update(max_open_leads=1)
    AssignmentRuleFactory(team=team)
    first, second = LeadFactory(), LeadFactory()
    first_has_assigned = threading.Event()
    errors = []

    def run(lead, hold):
        try:
            with transaction.atomic():
                assign_leads([Lead.objects.get(pk=lead.pk)])
                if hold:
                    first_has_assigned.set()
                    time.sleep(0.5)  # keep the lock while the other run starts
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=run, args=(first, True))
    a.start()
    assert first_has_assigned.wait(10)
    b = threading.Thread(target=run, args=(second, False))
    b.start()
    a.join(10)
    b.join(10)

    assert not errors
    assert owners_of([first, second]) == [rep.pk, None]
    assert Lead.objects.get(pk=second.pk).team == team


# -- the rules page ------------------------------------------------------------------------------


def test_rules_page_is_for_sales_managers_and_admins(client, org):
    url = reverse("sales:lead_rules")
    for user, status in (
        (org.rep, 403),
        (org.marketing, 403),
        (org.agent, 403),
        (org.support_manager, 403),
        (org.sales_manager, 200),
        (org.admin, 200),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(org.rep)
    assert client.post(reverse("sales:lead_rule_add"), {"name": "x"}).status_code == 403
    assert not AssignmentRule.objects.exists()


def test_manager_adds_edits_reorders_and_deletes_rules(client, org):
    client.force_login(org.sales_manager)
    add = reverse("sales:lead_rule_add")
    bad = client.post(
        add,
        {
            "name": "Bad",
            "team": org.team.pk,
            "min_employees": 50,
            "max_employees": 10,
            "round_robin": "on",
            "active": "on",
        },
    )
    assert bad.status_code == 400 and "Must not be smaller" in bad.content.decode()
    for name, countries in (("Italy", "Italy, italy,  Spain"), ("Rest", "")):
        response = client.post(
            add,
            {
                "name": name,
                "countries": countries,
                "sources": "Web form",
                "team": org.team.pk,
                "round_robin": "on",
                "active": "on",
            },
        )
        assert response.status_code == 302
    italy, rest = AssignmentRule.objects.order_by("position")
    assert italy.countries == ["Italy", "Spain"] and rest.countries == []
    assert italy.sources == ["Web form"]

    client.post(reverse("sales:lead_rule_move", args=[rest.pk]), {"direction": "up"})
    assert list(AssignmentRule.objects.order_by("position").values_list("name", flat=True)) == [
        "Rest",
        "Italy",
    ]
    reorder = reverse("sales:lead_rules_reorder")
    assert client.post(reorder, {"rule": [italy.pk, rest.pk]}).status_code == 204
    assert client.post(reorder, {"rule": [italy.pk]}).status_code == 409
    assert client.post(reorder, {"rule": ["x"]}).status_code == 400
    page = client.get(reverse("sales:lead_rules")).content.decode()
    assert page.index("Italy") < page.index("Rest")

    edit = reverse("sales:lead_rule_edit", args=[italy.pk])
    client.post(
        edit,
        {
            "name": "Italy only",
            "countries": "Italy",
            "team": org.other_team.pk,
            "round_robin": "on",
        },
    )
    italy.refresh_from_db()
    assert (italy.name, italy.team, italy.active) == ("Italy only", org.other_team, False)

    client.post(reverse("sales:lead_rule_delete", args=[rest.pk]))
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["Italy only"]


def test_manager_sets_capacity_and_away_of_their_team_only(client, org):
    client.force_login(org.sales_manager)
    member = TeamMembership.objects.get(team=org.team, user=org.rep)
    mate = TeamMembership.objects.get(team=org.team, user=org.rep_teammate)
    url = reverse("sales:lead_capacity", args=[org.team.pk])

    client.post(url, {f"cap-{member.pk}": "3", f"away-{mate.pk}": "on"})

    member.refresh_from_db()
    org.rep_teammate.refresh_from_db()
    assert member.max_open_leads == 3 and org.rep_teammate.is_away
    response = client.post(url, {f"cap-{member.pk}": "-1"}, follow=True)
    assert "whole number" in response.content.decode()
    member.refresh_from_db()
    assert member.max_open_leads == 3
    other = reverse("sales:lead_capacity", args=[org.other_team.pk])
    assert client.post(other, {}).status_code == 404


def test_run_rules_on_the_queue(client, org):
    AssignmentRuleFactory(team=org.team)
    waiting = LeadFactory(owner=None, team=None)
    client.force_login(org.sales_manager)
    response = client.post(reverse("sales:lead_rules_run"), follow=True)
    assert "gave 1 of 1" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.owner in (org.rep, org.rep_teammate)
