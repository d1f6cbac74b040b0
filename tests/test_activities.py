"""Activities through the pages: access rules, list/filters/export, the Done button, bulk
edits, quick logging on customer pages and "My day".

Access (``ActivityPolicy``): the customer-record rules with the assignee as owner. Everyone
with a role *reads* every activity (it is part of the shared customer database, so another
team's activity answers 200, not 404); changing, completing or deleting one is for its
assignee, members of its team, managers and administrators (others get 403).
"""

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Activity, TimelineEntry
from accounts.services import activity_save
from accounts.views.activities import my_day_groups

ROME = ZoneInfo("Europe/Rome")


def make_activity(by, **data):
    data.setdefault("kind", Activity.Kind.TASK)
    data.setdefault("subject", "Something to do")
    return activity_save(data=data, by=by)


@contextmanager
def frozen(when):
    """Fix "now" for the views (timezone.now and everything built on it)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


@pytest.fixture
def acts(org, records):
    """One activity of the rep's team (assigned to the rep) and one of the other team."""
    ours = make_activity(
        org.rep, subject="Our task", assigned_to=org.rep, team=org.team, account=records.account
    )
    theirs = make_activity(
        org.other_rep,
        subject="Their task",
        assigned_to=org.other_rep,
        team=org.other_team,
        account=records.other_account,
    )
    return ours, theirs


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("anonymous", "admin", "sales_manager", "sales_rep", "marketing", "support_agent",
         "support_manager")  # fmt: skip
# fmt: off
ACCESS = [
    # page                       anon    admin sa_mgr rep  mkt  agent su_mgr
    ("/activities/",             "login", 200, 200,  200, 200, 200,  200),
    ("/activities/add/",         "login", 200, 200,  200, 200, 200,  200),
    ("/activities/{ours}/",      "login", 200, 200,  200, 200, 200,  200),
    ("/activities/{theirs}/",    "login", 200, 200,  200, 200, 200,  200),
    ("/activities/{ours}/edit/", "login", 200, 200,  200, 403, 403,  200),
    ("/activities/{theirs}/edit/", "login", 200, 200, 403, 403, 403, 200),
    ("/activities/{ours}/delete/", "login", 200, 200, 200, 403, 403, 200),
    ("/activities/{theirs}/delete/", "login", 200, 200, 403, 403, 403, 200),
    ("/my-day/",                 "login", 200, 200,  200, 200, 200,  200),
    ("/calendar/",               "login", 200, 200,  200, 200, 200,  200),
    ("/calendar/subscribe/",     "login", 200, 200,  200, 200, 200,  200),
]
# fmt: on


@pytest.mark.parametrize("row", ACCESS, ids=[r[0] for r in ACCESS])
def test_page_access_by_role(org, acts, row):
    ours, theirs = acts
    url = row[0].format(ours=ours.pk, theirs=theirs.pk)
    users = {"anonymous": None, **org.by_role()}
    for role, expected in zip(ROLES, row[1:], strict=True):
        response = client_for(users[role]).get(url)
        if expected == "login":
            assert response.status_code == 302 and "/login/" in response["Location"], role
        else:
            assert response.status_code == expected, f"{url} as {role}"


def test_rep_cannot_change_another_teams_activity_by_id(org, acts):
    _, theirs = acts
    client = client_for(org.rep)

    edit = client.post(
        f"/activities/{theirs.pk}/edit/", {"kind": "task", "subject": "Hijacked", "done": "on"}
    )
    done = client.post(f"/activities/{theirs.pk}/done/", {"outcome": "mine now"})
    delete = client.post(f"/activities/{theirs.pk}/delete/")
    quick_done = client.post(f"/activities/{theirs.pk}/done/", HTTP_HX_REQUEST="true")

    assert (edit.status_code, done.status_code, delete.status_code) == (403, 403, 403)
    assert quick_done.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.subject, theirs.done, theirs.outcome) == ("Their task", False, "")


def test_unknown_activity_is_404(org, acts):
    client = client_for(org.admin)
    assert client.get("/activities/99999999/").status_code == 404
    assert client.post("/activities/99999999/done/").status_code == 404


def test_teammate_and_manager_may_complete_the_reps_activity(org, acts):
    ours, _ = acts
    assert client_for(org.rep_teammate).post(f"/activities/{ours.pk}/done/").status_code == 302
    ours.refresh_from_db()
    assert ours.done and ours.done_at is not None


# -- create / edit / delete ------------------------------------------------------------------
def test_create_edit_and_delete_through_the_forms(org, records):
    client = client_for(org.rep)
    response = client.post(
        "/activities/add/",
        {
            "kind": "meeting",
            "subject": "Kick-off",
            "starts_at": "2026-03-10T09:30",
            "duration_minutes": "45",
            "assigned_to": org.rep.pk,
            "team": org.team.pk,
            "account": records.account.pk,
            "body": "Agenda",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get(subject="Kick-off")
    assert activity.starts_at == datetime(2026, 3, 10, 9, 30, tzinfo=ROME)
    entry = TimelineEntry.objects.get(
        subject_type=ContentType.objects.get_for_model(Activity), subject_id=activity.pk
    )
    assert entry.account_id == records.account.pk and entry.kind == "meeting"

    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "kind": "meeting",
            "subject": "Kick-off (moved)",
            "starts_at": "2026-03-11T10:00",
            "duration_minutes": "45",
            "assigned_to": org.rep.pk,
            "team": org.team.pk,
            "account": records.account.pk,
        },  # fmt: skip
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Meeting: Kick-off (moved)"
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "Kick-off (moved)" in page and "Changed by" in page  # the history

    assert client.post(f"/activities/{activity.pk}/delete/").status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert not TimelineEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("typed", "instant"),
    [
        # The clocks go back: 02:30 happens twice; the first one (still summer time, +02:00).
        ("2027-10-31T02:30", datetime(2027, 10, 31, 0, 30, tzinfo=ZoneInfo("UTC"))),
        # The clocks go forward: there is no 02:30; the instant an unchanged clock calls 02:30.
        ("2027-03-28T02:30", datetime(2027, 3, 28, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ],
)
def test_a_time_in_the_hour_the_clocks_change_is_taken(org, records, typed, instant):
    """Found by running the suite at 02:30 on the DST night: the quick-log card prefills "now",
    and Django's field refused it as ambiguous, with no way for the person to correct it."""
    response = client_for(org.rep).post(
        reverse("accounts:activity_quick_add"),
        {"kind": "call", "subject": "Night shift", "starts_at": typed, "done": "on",
         "assigned_to": org.rep.pk, "account": records.account.pk},
    )  # fmt: skip
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    assert Activity.objects.get(subject="Night shift").starts_at == instant


def test_meeting_without_a_time_is_refused(org, records):
    response = client_for(org.rep).post(
        "/activities/add/", {"kind": "meeting", "subject": "When?", "assigned_to": org.rep.pk}
    )
    assert response.status_code == 400
    assert "A meeting needs a date and time." in response.content.decode()
    assert not Activity.objects.filter(subject="When?").exists()


# -- list, filters, export, bulk -------------------------------------------------------------
def test_list_filters(org, records):
    day = datetime(2026, 3, 10, 10, 0, tzinfo=ROME)
    make_activity(org.rep, subject="Call Alpha", kind="call", starts_at=day,
                  assigned_to=org.rep, account=records.account)  # fmt: skip
    make_activity(org.rep, subject="Task Beta", starts_at=day + timedelta(days=2),
                  assigned_to=org.rep_teammate, account=records.account, done=True)  # fmt: skip
    make_activity(org.rep, subject="Task Gamma", starts_at=day - timedelta(days=5),
                  assigned_to=org.other_rep, account=records.other_account)  # fmt: skip
    client = client_for(org.rep)

    def subjects(**params):
        page = client.get("/activities/", params).content.decode()
        return {s for s in ("Call Alpha", "Task Beta", "Task Gamma") if s in page}

    assert subjects() == {"Call Alpha", "Task Beta", "Task Gamma"}
    assert subjects(kind="call") == {"Call Alpha"}
    assert subjects(done="true") == {"Task Beta"}
    assert subjects(done="false") == {"Call Alpha", "Task Gamma"}
    assert subjects(assigned_to=org.rep_teammate.pk) == {"Task Beta"}
    assert subjects(due_from="2026-03-10", due_to="2026-03-10") == {"Call Alpha"}
    assert subjects(due_from="2026-03-11") == {"Task Beta"}
    assert subjects(account=records.other_account.pk) == {"Task Gamma"}
    assert subjects(q="task") == {"Task Beta", "Task Gamma"}


def test_csv_export_is_filtered_and_formula_safe(org, records):
    make_activity(org.rep, subject="=HYPERLINK(1)", kind="call", assigned_to=org.rep,
                  account=records.account)  # fmt: skip
    make_activity(org.rep, subject="Not a call", assigned_to=org.rep)
    response = client_for(org.rep).get("/activities/", {"kind": "call", "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in body and "Not a call" not in body
    assert records.account.name in body


def test_bulk_assign_and_mark_done_skips_what_the_rep_may_not_change(org, acts):
    ours, theirs = acts
    client = client_for(org.rep)
    data = {"pk": [ours.pk, theirs.pk], "confirm": "1", "assigned_to": org.rep_teammate.pk,
            "done": "1"}  # fmt: skip

    response = client.post("/activities/bulk/edit/", data)

    assert response.status_code == 302
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.assigned_to == org.rep_teammate and ours.done and ours.done_at
    assert theirs.assigned_to == org.other_rep and not theirs.done


def test_bulk_edit_leaves_status_alone_unless_asked(org, acts):
    ours, _ = acts
    ours = activity_save(activity=ours, data={"done": True}, by=org.rep)
    client_for(org.rep).post(
        "/activities/bulk/edit/",
        {"pk": [ours.pk], "confirm": "1", "assigned_to": org.rep_teammate.pk, "done": ""},
    )
    ours.refresh_from_db()
    assert ours.done and ours.assigned_to == org.rep_teammate


# -- the Done button -------------------------------------------------------------------------
def test_done_button_with_htmx_completes_with_an_outcome(org, acts):
    ours, _ = acts
    response = client_for(org.rep).post(
        f"/activities/{ours.pk}/done/",
        {"outcome": "Sent <the> quote", "render": "item"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "timelineChanged" in response["HX-Trigger"]
    html = response.content.decode()
    assert "activity-item" in html and "Sent &lt;the&gt; quote" in html
    ours.refresh_from_db()
    assert ours.done and ours.done_at and ours.outcome == "Sent <the> quote"
    assert ours.history.first().history_user == org.rep


def test_done_button_refuses_an_overlong_outcome(org, acts):
    ours, _ = acts
    response = client_for(org.rep).post(
        f"/activities/{ours.pk}/done/", {"outcome": "x" * 201}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    ours.refresh_from_db()
    assert not ours.done


def test_done_needs_post(org, acts):
    ours, _ = acts
    assert client_for(org.rep).get(f"/activities/{ours.pk}/done/").status_code == 405


# -- quick logging on customer pages ---------------------------------------------------------
QUICK = reverse("accounts:activity_quick_add")


def test_quick_add_logs_on_the_account_and_triggers_the_timeline(org, records):
    response = client_for(org.agent).post(
        QUICK,
        {
            "kind": "call",
            "subject": "Called about <invoice>",
            "account": records.account.pk,
            "assigned_to": org.agent.pk,
            "done": "on",
            "duration_minutes": "10",
        },  # fmt: skip
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "timelineChanged" in response["HX-Trigger"]
    html = response.content.decode()
    assert "Logged" in html and "Called about &lt;invoice&gt;" in html
    assert f'name="account" value="{records.account.pk}"' in html  # a fresh, prefilled form
    activity = Activity.objects.get(subject="Called about <invoice>")
    assert activity.account == records.account and activity.done and activity.done_at
    assert activity.starts_at is not None  # a logged call happened now
    assert activity.team == records.account.team
    assert TimelineEntry.objects.filter(account=records.account, kind="call").exists()


def test_quick_add_for_a_contact_links_its_account(org, records):
    response = client_for(org.rep).post(
        QUICK,
        {
            "kind": "task",
            "subject": "Send brochure",
            "contact": records.contact.pk,
            "starts_at": "2026-04-01T09:00",
            "assigned_to": org.rep.pk,
        },  # fmt: skip
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    activity = Activity.objects.get(subject="Send brochure")
    assert activity.contact == records.contact and activity.account == records.account
    assert not activity.done


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "call", "subject": ""}, "This field is required."),
        ({"kind": "meeting", "subject": "Lunch"}, "A meeting needs a date and time."),
        ({"kind": "call", "subject": "x", "duration_minutes": "5000"}, "At most 24 hours"),
        ({"kind": "call", "subject": "x", "starts_at": "yesterday"}, "Enter a valid date/time."),
        ({"kind": "party", "subject": "x"}, "Select a valid choice."),
        ({"kind": "call", "subject": "x", "account": "", "no_customer": "1"},
         "Log the activity on an account or a contact."),
        ({"kind": "call", "subject": "x", "account": "99999999"}, "no longer exists"),
    ],
    ids=["no-subject", "meeting-no-time", "too-long", "bad-date", "bad-kind", "no-customer",
         "gone-account"],
)  # fmt: skip
def test_quick_add_errors_answer_400_with_the_form_and_save_nothing(org, records, data, message):
    data = {"account": records.account.pk, **data}
    if data.pop("no_customer", None):
        data.pop("account")
    before = (Activity.objects.count(), TimelineEntry.objects.count())

    response = client_for(org.rep).post(QUICK, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "HX-Trigger" not in response
    html = response.content.decode()
    assert 'id="log-activity"' in html and message in html
    assert (Activity.objects.count(), TimelineEntry.objects.count()) == before


def test_quick_add_needs_login_and_post_or_get(org, records):
    assert Client().post(QUICK, {"subject": "x"}).status_code == 302
    assert client_for(org.rep).put(QUICK).status_code == 405
    assert Activity.objects.count() == 0


def test_quick_add_get_switches_kind_defaults_and_keeps_the_typing(org, records):
    client = client_for(org.rep)
    html = client.get(
        QUICK, {"kind": "task", "account": records.account.pk, "subject": "Draft"}
    ).content.decode()
    assert re.search(r'id="ql-kind-task"[^>]*checked', html)
    assert 'value="Draft"' in html and re.search(r">\s*Due\s*<", html)
    assert not re.search(r'id="ql-done"[^>]*checked', html)  # a task is not done yet
    html = client.get(QUICK, {"kind": "note", "account": records.account.pk}).content.decode()
    assert re.search(r'id="ql-done"[^>]*checked', html)


def test_the_partial_works_when_included_by_a_customer_page(org, records):
    request = RequestFactory().get(f"/contacts/{records.contact.pk}/")
    request.user = org.rep
    template = Template('{% include "accounts/_log_activity.html" with contact=object %}')

    html = template.render(RequestContext(request, {"object": records.contact}))

    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="contact" value="{records.contact.pk}"' in html
    assert f'name="account" value="{records.account.pk}"' in html
    assert f'hx-post="{QUICK}"' in html


def test_non_htmx_quick_add_redirects_back(org, records):
    response = client_for(org.rep).post(
        QUICK,
        {
            "kind": "note",
            "subject": "Plain form",
            "account": records.account.pk,
            "return_url": f"/accounts/{records.account.pk}/",
        },  # fmt: skip
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{records.account.pk}/"


# -- My day ----------------------------------------------------------------------------------
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=ROME)  # a Wednesday morning


def _section(html: str, key: str) -> str:
    match = re.search(rf'id="my-day-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_my_day_groups_overdue_today_and_upcoming(org, records):
    rep = org.rep

    def task(subject, when, **extra):
        extra.setdefault("assigned_to", rep)
        return make_activity(rep, subject=subject, starts_at=when, account=records.account,
                             **extra)  # fmt: skip

    with frozen(NOW):
        task("Overdue task", NOW - timedelta(days=2))
        task("Late last night", datetime(2025, 3, 11, 23, 59, tzinfo=ROME), kind="meeting")
        task("Early this morning", datetime(2025, 3, 12, 0, 1, tzinfo=ROME), kind="call")
        task("Meeting this afternoon", datetime(2025, 3, 12, 15, 0, tzinfo=ROME), kind="meeting")
        task("Late tonight", datetime(2025, 3, 12, 23, 59, tzinfo=ROME))
        task("Tomorrow", datetime(2025, 3, 13, 0, 0, tzinfo=ROME))
        task("In a week", datetime(2025, 3, 19, 23, 0, tzinfo=ROME))
        task("Too far", datetime(2025, 3, 20, 0, 0, tzinfo=ROME))
        task("Someday", None)
        task("Done already", NOW, done=True)
        task("A note", NOW, kind="note")
        task("Someone else's", NOW, assigned_to=org.rep_teammate)
        html = client_for(rep).get("/my-day/").content.decode()
        groups = {g.key: [a.subject for a in g.items] for g in my_day_groups(rep, NOW)}

    assert groups == {
        "overdue": ["Late last night", "Overdue task"],
        "today": ["Early this morning", "Meeting this afternoon", "Late tonight"],
        "upcoming": ["Tomorrow", "In a week"],
        "someday": ["Someday"],
    }
    for key, subjects in groups.items():
        section = _section(html, key)
        for subject in subjects:
            assert subject.replace("'", "&#x27;") in section, (key, subject)
    for absent in ("Too far", "Done already", "A note", "Someone else"):
        assert absent not in html
    assert html.count('class="done-form') == 8  # a Done button per open item


def test_my_day_done_button_renders_the_item_done(org, records):
    activity = make_activity(org.rep, subject="Ring back", kind="call", assigned_to=org.rep,
                             starts_at=NOW, account=records.account)  # fmt: skip
    response = client_for(org.rep).post(
        f"/activities/{activity.pk}/done/", {"render": "item"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "is-done" in html and "done-form" not in html


def test_my_day_is_in_everyones_navigation_and_the_workspace_card_loads(org):
    for role, user in org.by_role().items():
        page = client_for(user).get("/my-day/").content.decode()
        assert 'href="/my-day/"' in page, role
    card = client_for(org.rep).get("/my-day/?fragment=card")
    assert card.status_code == 200 and 'id="my-day-card"' in card.content.decode()
    workspace = client_for(org.rep).get(reverse("sales:workspace")).content.decode()
    assert "/my-day/?fragment=card" in workspace
