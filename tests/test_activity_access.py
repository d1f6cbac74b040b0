"""An activity logged on another record follows that record's access policy (issue 16, item 4).

An activity on a deal is seen by those who see the deal; one on a ticket by those who see the
ticket — in the API (detail and list), the activity list and its CSV export, the calendar,
the iCalendar feed and the 360° timeline. Before, ``GET /api/v1/activities/<id>/`` answered a
deal's activity to marketing and support while the deal answered 404, and a rep's export
held other teams' deal notes. (``core.access.LinkedRecordPolicy``.)
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import CalendarFeed
from accounts.services import activity_save
from sales.models import Opportunity
from service.models import Ticket

from .factories import OpportunityFactory

DEAL_NOTE = "Sent the details (MG Advanced)"
TICKET_NOTE = "Called about the refund"
PLAIN_NOTE = "Visited the plant"


def linked(user, subject, record, *, account, assigned_to):
    """An activity logged on ``record``, as the deal and ticket pages log them."""
    return activity_save(
        data={
            "kind": "meeting",
            "subject": subject,
            "starts_at": timezone.now(),
            "account": account,
            "assigned_to": assigned_to,
            "related_type": ContentType.objects.get_for_model(type(record)),
            "related_id": record.pk,
        },
        by=user,
    )


@pytest.fixture
def logged(org, records):
    """On our account: a note on the other team's deal (assigned to our rep, whose deal it
    was before it changed hands), a note on the other queue's ticket, and a plain one."""
    deal = OpportunityFactory(owner=org.other_rep, team=org.other_team, account=records.account)
    return {
        "deal": deal,
        "deal_note": linked(
            org.other_rep, DEAL_NOTE, deal, account=records.account, assigned_to=org.rep
        ),  # fmt: skip
        "ticket_note": linked(
            org.other_agent,
            TICKET_NOTE,
            records.other_ticket,
            account=records.account,
            assigned_to=org.rep,
        ),  # fmt: skip
        "plain": activity_save(
            data={
                "kind": "meeting",
                "subject": PLAIN_NOTE,
                "starts_at": timezone.now(),
                "account": records.account,
                "assigned_to": org.rep,
            },
            by=org.rep,
        ),  # fmt: skip
    }


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def api_detail(user, activity):
    return client_of(user).get(f"/api/v1/activities/{activity.pk}/").status_code


# Who reads the deal's note, the ticket's note: exactly who reads the deal, the ticket.
WHO = {
    "admin": (200, 200),
    "sales_manager": (404, 404),  # manager of North; the deal is South's
    "other_manager": (200, 404),  # South's manager
    "rep": (404, 404),
    "other_rep": (200, 404),  # the deal's owner
    "marketing": (404, 404),
    "agent": (404, 404),  # Tier 1; the ticket is in Billing
    "other_agent": (404, 200),
    "support_manager": (404, 200),
}


@pytest.mark.parametrize("who", WHO)
def test_api_detail_follows_the_linked_record(org, logged, who):
    user = getattr(org, who)
    deal_expected, ticket_expected = WHO[who]
    deal_status = client_of(user).get(f"/api/v1/opportunities/{logged['deal'].pk}/").status_code
    assert (api_detail(user, logged["deal_note"]), deal_status) == (deal_expected, deal_expected)
    assert api_detail(user, logged["ticket_note"]) == ticket_expected
    assert api_detail(user, logged["plain"]) == 200  # the customer database: every role


def test_a_linked_record_readable_again_shows_its_activities(org, logged):
    """Access follows the record as it is now: the deal handed to our rep brings its note."""
    Opportunity.objects.filter(pk=logged["deal"].pk).update(owner=org.rep, team=org.team)
    assert api_detail(org.rep, logged["deal_note"]) == 200
    Ticket.objects.filter(pk=logged["ticket_note"].related_id).update(queue=org.queue)
    assert api_detail(org.agent, logged["ticket_note"]) == 200


@pytest.mark.parametrize("who", ["rep", "marketing", "agent", "other_rep", "admin"])
def test_api_list_activity_list_and_export_follow_the_linked_record(org, logged, who):
    user = getattr(org, who)
    deal_seen, ticket_seen = (WHO[who][0] == 200), (WHO[who][1] == 200)
    expected = {PLAIN_NOTE} | ({DEAL_NOTE} if deal_seen else set())
    expected |= {TICKET_NOTE} if ticket_seen else set()
    client = client_of(user)

    api = client.get("/api/v1/activities/", {"page_size": 100}).json()
    assert {row["subject"] for row in api["results"]} == expected

    page = client.get(reverse("accounts:activity_list")).content.decode()
    assert {s for s in (DEAL_NOTE, TICKET_NOTE, PLAIN_NOTE) if s in page} == expected

    export = client.get(reverse("accounts:activity_list"), {"export": "csv"})
    csv = b"".join(export.streaming_content).decode()
    assert {s for s in (DEAL_NOTE, TICKET_NOTE, PLAIN_NOTE) if s in csv} == expected


def test_calendar_and_feed_leave_out_activities_of_records_the_user_cannot_read(org, logged):
    """All three are assigned to our rep; the deal changed hands, the ticket is another
    queue's: only the plain one stays on the rep's calendar and feed."""
    calendar = client_of(org.rep).get(reverse("accounts:calendar")).content.decode()
    assert PLAIN_NOTE in calendar
    assert DEAL_NOTE not in calendar and TICKET_NOTE not in calendar

    feed, _ = CalendarFeed.objects.get_or_create(user=org.rep)
    ical = Client().get(reverse("accounts:calendar_feed", args=[feed.token])).content.decode()
    assert PLAIN_NOTE in ical
    assert "MG Advanced" not in ical and "refund" not in ical


@pytest.mark.parametrize("who", ["rep", "marketing", "agent", "other_rep", "support_manager"])
def test_timeline_follows_the_linked_record(org, records, logged, who):
    user = getattr(org, who)
    page = client_of(user).get(reverse("accounts:account_detail", args=[records.account.pk]))
    html = page.content.decode()
    assert PLAIN_NOTE in html
    assert (DEAL_NOTE in html) == (WHO[who][0] == 200)
    assert (TICKET_NOTE in html) == (WHO[who][1] == 200)


def test_changing_an_activity_of_an_unreadable_record_answers_404(org, logged):
    """The rep is the assignee (the customer rule lets an owner change), but the deal is not
    theirs any more: the edit page and a PATCH answer 404 like the deal."""
    client = client_of(org.rep)
    note = logged["deal_note"]
    assert client.get(reverse("accounts:activity_edit", args=[note.pk])).status_code == 404
    patch = client.patch(f"/api/v1/activities/{note.pk}/", {"subject": "Mine now"},
                         content_type="application/json")  # fmt: skip
    assert patch.status_code == 404
