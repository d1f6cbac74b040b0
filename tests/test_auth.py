"""Logging in and out, throttled failures (django-axes), password change and reset by e-mail
through a real SMTP server, and invitations sent by a real Celery worker."""

import re

import pytest
from django.conf import settings

from users.models import User

from .factories import PASSWORD, UserFactory

NEW_PASSWORD = "purple-giraffe-lantern-42"
LINK = re.compile(r"https?://[^/\s]+(/reset/[^/\s]+/[^/\s]+/)")
LOGIN_ERROR = "Please enter a correct username and password"


def log_in(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def logged_in_user(client):
    """Who the session belongs to, as the pages see it."""
    response = client.get("/me/")
    if response.status_code != 200:
        return None
    return response.context["user"]


def reset_link(message) -> str:
    body = message.get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def choose_password(client, link, password):
    """Follow an e-mailed link and set a password; returns the final page."""
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert b"Choose a new password" in response.content
    set_password_url = response.redirect_chain[-1][0]
    return client.post(
        set_password_url,
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


@pytest.fixture
def rep(db):
    return UserFactory(username="rep1", role="sales_rep", email="rep1@example.com")


def test_login_page_logs_in_and_lands_on_workspace(client, rep):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/"

    response = client.post(
        "/login/?next=/", {"username": "rep1", "password": PASSWORD, "next": "/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/sales/workspace/"
    assert response.context["user"] == rep
    assert b"Good day" in response.content


def test_session_cookie_is_http_only(client, rep):
    response = log_in(client, "rep1", PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_wrong_password_shows_a_form_error(client, rep):
    response = log_in(client, "rep1", "not-the-password")
    assert response.status_code == 200
    assert LOGIN_ERROR in response.content.decode()
    assert logged_in_user(client) is None


def test_logout_is_a_post(client, rep):
    log_in(client, "rep1", PASSWORD)
    assert logged_in_user(client) == rep

    assert client.get("/logout/").status_code == 405  # a link cannot log anyone out
    assert logged_in_user(client) == rep

    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert b"Log in to your workspace" in response.content
    assert logged_in_user(client) is None
    assert client.get("/").url == "/login/?next=/"


def test_repeated_failures_lock_the_user_name_from_that_address(client, rep):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [log_in(client, "rep1", f"guess-{n}").status_code for n in range(limit)]
    assert statuses[: limit - 1] == [200] * (limit - 1)  # form errors until the limit
    assert statuses[-1] == 429

    # Now even the right password is refused, with the locked-out page.
    response = log_in(client, "rep1", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert logged_in_user(client) is None

    # The lock is per user name and address: the same person elsewhere, and other users
    # from this address, are not locked out.
    other = UserFactory(username="rep2", role="sales_rep")
    assert log_in(client, other.username, PASSWORD).status_code == 302
    client.post("/logout/")
    elsewhere = log_in(client, "rep1", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302


def test_password_change(client, rep):
    log_in(client, "rep1", PASSWORD)
    response = client.get("/password_change/")
    assert response.status_code == 200
    assert b"Change your password" in response.content

    wrong = client.post(
        "/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    response = client.post(
        "/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/password_change/done/"
    assert b"Your password was changed" in response.content
    assert logged_in_user(client) == rep  # this session stays logged in

    client.post("/logout/")
    assert LOGIN_ERROR in log_in(client, "rep1", PASSWORD).content.decode()
    assert log_in(client, "rep1", NEW_PASSWORD).status_code == 302


def test_password_reset_by_email(client, rep, smtp_server):
    response = client.post("/password_reset/", {"email": "rep1@example.com"}, follow=True)
    assert response.redirect_chain[-1][0] == "/password_reset/done/"
    assert b"Check your e-mail" in response.content

    messages = smtp_server.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "rep1@example.com"
    link = reset_link(message)

    response = choose_password(client, link, NEW_PASSWORD)
    assert response.redirect_chain[-1][0] == "/reset/done/"
    assert b"Your password is set" in response.content

    # The link worked once.
    used = client.get(link, follow=True)
    assert b"This link is no longer valid" in used.content

    assert LOGIN_ERROR in log_in(client, "rep1", PASSWORD).content.decode()
    response = client.post("/login/", {"username": "rep1", "password": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/sales/workspace/"
    assert response.context["user"] == rep


def test_password_reset_for_unknown_address_looks_the_same_and_sends_nothing(
    client, rep, smtp_server
):
    known = client.post("/password_reset/", {"email": "rep1@example.com"})
    assert len(smtp_server.wait_for(1)) == 1

    unknown = client.post("/password_reset/", {"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    page = client.get(unknown.url)
    assert b"Check your e-mail" in page.content

    assert len(smtp_server.wait_for(2, timeout=2)) == 1  # nothing more arrived


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_invited_user_gets_an_email_and_sets_a_password(
    client, org, smtp_server, purge_queue, celery_worker_factory
):
    celery_worker_factory()
    log_in(client, org.admin.username, PASSWORD)
    form = client.get("/admin-ui/users/add/")
    assert form.status_code == 200
    assert b"Leave empty to e-mail the person a link" in form.content

    response = client.post(
        "/admin-ui/users/add/",
        {
            "username": "newbie",
            "first_name": "Nora",
            "last_name": "Newbie",
            "email": "nora@example.com",
            "role": "sales_rep",
            "is_active": "on",
            "teams": [org.team.pk],
            "password": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newbie")
    assert not user.has_usable_password()

    messages = smtp_server.wait_for(1, timeout=20)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "nora@example.com"
    assert message["Subject"] == "Your CRM account is ready"
    assert "Your user name is: newbie" in message.get_content()
    link = reset_link(message)

    client.post("/logout/")
    response = choose_password(client, link, NEW_PASSWORD)
    assert b"Your password is set" in response.content

    response = client.post("/login/", {"username": "newbie", "password": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/sales/workspace/"
    assert response.context["user"] == user
