"""The week/month calendar and the private iCalendar feed."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, CalendarFeed
from accounts.services import activity_save

ROME = ZoneInfo("Europe/Rome")
HOST = urlsplit(settings.SITE_URL).hostname


def make_activity(user, subject, starts_at, kind="meeting", **data):
    data.setdefault("assigned_to", user)
    return activity_save(
        data={"kind": kind, "subject": subject, "starts_at": starts_at, **data}, by=user
    )


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def subjects_in(html: str, *candidates) -> set[str]:
    return {s for s in candidates if f"{s}</a>" in html or f"{s}</span>" in html}


# -- week and month --------------------------------------------------------------------------
def test_week_view_shows_the_users_activities_of_that_week_in_local_time(org, records):
    rep = org.rep
    # The week of Wednesday 11 March 2026 runs Monday 9 to Sunday 15 (Europe/Rome).
    make_activity(rep, "Monday early", datetime(2026, 3, 9, 0, 5, tzinfo=ROME))
    make_activity(rep, "Sunday late", datetime(2026, 3, 15, 23, 30, tzinfo=ROME), kind="task")
    make_activity(rep, "Next Monday", datetime(2026, 3, 16, 0, 30, tzinfo=ROME))  # 23:30 UTC
    make_activity(rep, "Last Sunday", datetime(2026, 3, 8, 23, 30, tzinfo=ROME))
    make_activity(rep, "Colleague's", datetime(2026, 3, 11, 9, 0, tzinfo=ROME),
                  assigned_to=org.rep_teammate)  # fmt: skip

    response = logged_in(rep).get("/calendar/", {"view": "week", "date": "2026-03-11"})

    html = response.content.decode()
    assert response.status_code == 200
    found = subjects_in(html, "Monday early", "Sunday late", "Next Monday", "Last Sunday",
                        "Colleague&#x27;s")  # fmt: skip
    assert found == {"Monday early", "Sunday late"}
    assert "9–15 March 2026" in html
    assert "date=2026-03-04" in html and "date=2026-03-18" in html  # previous / next week
    assert ">00:05<" in html and ">23:30<" in html  # local times, not UTC


def test_month_view_covers_whole_weeks_around_the_month(org, records):
    rep = org.rep
    # February 2026: Monday 26 January to Sunday 1 March.
    make_activity(rep, "Late January", datetime(2026, 1, 26, 9, 0, tzinfo=ROME))
    make_activity(rep, "Leap-less end", datetime(2026, 2, 28, 18, 0, tzinfo=ROME), kind="call")
    make_activity(rep, "First of March", datetime(2026, 3, 1, 12, 0, tzinfo=ROME))
    make_activity(rep, "Second of March", datetime(2026, 3, 2, 12, 0, tzinfo=ROME))
    for i in range(6):  # a busy day shows 4 and "+2 more"
        make_activity(rep, f"Busy {i}", datetime(2026, 2, 10, 8 + i, 0, tzinfo=ROME), kind="task")

    html = logged_in(rep).get("/calendar/", {"view": "month", "date": "2026-02-10"}).content
    html = html.decode()

    assert "February 2026" in html
    found = subjects_in(html, "Late January", "Leap-less end", "First of March",
                        "Second of March")  # fmt: skip
    assert found == {"Late January", "Leap-less end", "First of March"}
    assert "+2 more" in html
    assert "date=2026-01-10" in html and "date=2026-03-10" in html


def test_month_navigation_clamps_the_day(org):
    html = logged_in(org.rep).get("/calendar/", {"view": "month", "date": "2026-01-31"}).content
    assert b"date=2026-02-28" in html and b"date=2025-12-31" in html


@pytest.mark.parametrize("value", ["", "2026-13-01", "yesterday", "99999-01-01", "0001-01-01"])
def test_bad_dates_show_the_current_week(org, value):
    response = logged_in(org.rep).get("/calendar/", {"date": value, "view": "fortnight"})
    assert response.status_code == 200
    assert timezone.localdate().strftime("%Y") in response.content.decode()


def test_calendar_needs_login():
    response = Client().get("/calendar/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# -- the iCalendar feed ----------------------------------------------------------------------
def feed_url(user) -> str:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return reverse("accounts:calendar_feed", args=[feed.token])


@pytest.fixture
def feed_data(org, records):
    rep, now = org.rep, timezone.now()
    tricky = 'Budget; review, "Q3" \\ <script>alert(1)</script> ' + "é" * 40
    mine = [
        make_activity(
            rep,
            tricky,
            now + timedelta(days=2),
            duration_minutes=90,
            body="Line one\nLine two; with, commas",
            account=records.account,
            contact=records.contact,
        ),  # fmt: skip
        make_activity(rep, "Call back", now - timedelta(days=10), kind="call"),
        make_activity(rep, "Open task", now + timedelta(days=30), kind="task"),
        make_activity(rep, "Finished task", now - timedelta(days=1), kind="task", done=True),
    ]
    make_activity(rep, "Too old", now - timedelta(days=91))
    make_activity(rep, "Too far", now + timedelta(days=366))
    make_activity(rep, "A note", now, kind="note")
    make_activity(rep, "An e-mail", now, kind="email")
    make_activity(rep, "No date", None, kind="task")
    make_activity(rep, "Colleague's meeting", now, assigned_to=org.rep_teammate)
    make_activity(org.other_rep, "Other team's", now)
    return {"mine": mine, "tricky": tricky}


def test_feed_contains_exactly_the_users_activities_and_parses(org, feed_data):
    response = Client().get(feed_url(org.rep))  # no login: the token is the credential

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    cal = icalendar.Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    mine = feed_data["mine"]
    assert {str(e["UID"]) for e in events} == {f"activity-{a.pk}@{HOST}" for a in mine}
    assert str(cal["VERSION"]) == "2.0" and "PRODID" in cal
    assert str(cal["X-WR-CALNAME"]).startswith("CRM – ")

    by_uid = {str(e["UID"]): e for e in events}
    meeting = by_uid[f"activity-{mine[0].pk}@{HOST}"]
    assert str(meeting["SUMMARY"]) == f"Meeting: {feed_data['tricky']}"  # round-trips intact
    description = str(meeting["DESCRIPTION"])
    assert description.startswith("Line one\nLine two; with, commas")
    assert f"Account: {mine[0].account}" in description
    assert meeting.decoded("DTSTART") == mine[0].starts_at.astimezone(UTC).replace(microsecond=0)
    assert meeting.decoded("DTEND") - meeting.decoded("DTSTART") == timedelta(minutes=90)
    assert str(meeting["STATUS"]) == "CONFIRMED"
    for event in events:
        assert "DTSTAMP" in event and "DTSTART" in event and "DTEND" in event
    done = by_uid[f"activity-{mine[3].pk}@{HOST}"]
    assert str(done["SUMMARY"]).startswith("✓ Task:") and str(done["TRANSP"]) == "TRANSPARENT"


def test_feed_is_well_formed_for_calendar_clients(org, feed_data):
    raw = Client().get(feed_url(org.rep)).content

    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # only CRLF line ends
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert any(line.startswith(b" ") for line in lines)  # the long summary was folded
    assert b"<script>" in raw.replace(b"\r\n ", b"")  # text stays text…
    unfolded = raw.replace(b"\r\n ", b"").decode()
    summary = next(line for line in unfolded.split("\r\n") if line.startswith("SUMMARY:Meeting"))
    assert r"Budget\; review\, " in summary and "\\\\" in summary  # …escaped per RFC 5545
    assert re.search(r"^DESCRIPTION:Line one\\nLine two\\; with\\, commas", unfolded, re.M)


def test_uid_is_stable_across_requests_and_edits(org, feed_data):
    url = feed_url(org.rep)
    first = icalendar.Calendar.from_ical(Client().get(url).content)
    activity = feed_data["mine"][1]
    activity_save(activity=activity, data={"subject": "Call back (moved)"}, by=org.rep)
    second = icalendar.Calendar.from_ical(Client().get(url).content)

    def uids(cal):
        return {str(e["UID"]): str(e["SUMMARY"]) for e in cal.walk("VEVENT")}

    assert uids(first).keys() == uids(second).keys()
    assert uids(second)[f"activity-{activity.pk}@{HOST}"] == "Call: Call back (moved)"


def test_bad_tokens_answer_404(org, feed_data):
    client = Client()
    good = CalendarFeed.objects.get_or_create(user=org.rep)[0].token
    for token in ("x" * 43, good[:-1] + ("A" if good[-1] != "A" else "B"), good.upper()):
        assert client.get(f"/calendar/feed/{token}.ics").status_code == 404, token
    assert client.get("/calendar/feed/short.ics").status_code == 404
    assert client.get(f"/calendar/feed/{good}").status_code == 404  # no .ics


def test_inactive_users_feed_is_gone(org, feed_data):
    url = feed_url(org.rep)
    org.rep.is_active = False
    org.rep.save()
    assert Client().get(url).status_code == 404


def test_subscribe_page_shows_the_private_url_and_reset_invalidates_it(org, feed_data):
    client = logged_in(org.rep)
    page = client.get("/calendar/subscribe/").content.decode()
    old_token = CalendarFeed.objects.get(user=org.rep).token
    assert f"/calendar/feed/{old_token}.ics" in page

    assert client.get("/calendar/subscribe/reset/").status_code == 405
    response = client.post("/calendar/subscribe/reset/")

    assert response.status_code == 302
    new_token = CalendarFeed.objects.get(user=org.rep).token
    assert new_token != old_token
    assert Client().get(f"/calendar/feed/{old_token}.ics").status_code == 404
    assert Client().get(f"/calendar/feed/{new_token}.ics").status_code == 200
    assert f"/calendar/feed/{new_token}.ics" in client.get("/calendar/subscribe/").content.decode()


def test_each_user_has_their_own_feed(org, feed_data):
    theirs = Client().get(feed_url(org.rep_teammate)).content
    events = icalendar.Calendar.from_ical(theirs).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Meeting: Colleague's meeting"]


def test_reset_needs_login(org):
    assert Client().post("/calendar/subscribe/reset/").status_code == 302
    assert not CalendarFeed.objects.exists()


def test_feed_without_activities_is_a_valid_empty_calendar(org):
    raw = Client().get(feed_url(org.marketing)).content
    cal = icalendar.Calendar.from_ical(raw)
    assert cal.walk("VEVENT") == [] and str(cal["VERSION"]) == "2.0"


def test_feed_response_is_not_cached(org):
    response = Client().get(feed_url(org.rep))
    assert "no-store" in response["Cache-Control"]
    assert Activity.objects.count() == 0
