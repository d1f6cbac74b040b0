"""Notifications: the row written in the caller's transaction, the navigation badge, the
list, marking as read, and the e-mail sent by a real worker over real SMTP."""

import pytest
from django.db import transaction

from core.models import Notification
from core.notifications import notify


def test_badge_list_and_mark_read(client, org):
    for n in range(3):
        notify(
            org.rep, f"Lead #{n} is yours", "Acme asked for a demo.", "/sales/leads/", email=False
        )
    notify(org.other_rep, "Not for rep1", email=False)
    client.force_login(org.rep)

    badge = client.get("/notifications/badge/")
    assert badge.status_code == 200
    assert b'data-testid="notification-count">3' in badge.content

    page = client.get("/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lead #2 is yours" in text and "Acme asked for a demo." in text
    assert "Not for rep1" not in text

    first = Notification.objects.filter(user=org.rep).order_by("id").first()
    opened = client.post(f"/notifications/{first.pk}/read/")
    assert opened.status_code == 302 and opened["Location"] == "/sales/leads/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert b'data-testid="notification-count">2' in client.get("/notifications/badge/").content

    client.post("/notifications/read/")
    assert not Notification.objects.filter(user=org.rep, read_at__isnull=True).exists()
    assert b'data-testid="notification-count"' not in client.get("/notifications/badge/").content


def test_someone_elses_notification_is_404_and_get_is_refused(client, org):
    theirs = notify(org.other_rep, "Private", email=False)
    client.force_login(org.rep)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/read/").status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_badge_is_escaped_and_capped(client, org):
    for _ in range(120):
        notify(org.rep, "<script>x</script>", email=False)
    client.force_login(org.rep)
    assert b"99+" in client.get("/notifications/badge/").content
    assert b"<script>x" not in client.get("/notifications/").content


def test_anonymous_is_sent_to_login(client):
    assert client.get("/notifications/")["Location"].startswith("/login/")


def test_nothing_is_kept_when_the_change_rolls_back(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(org.rep, "Rolled back")
        raise RuntimeError
    assert not Notification.objects.filter(subject="Rolled back").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_email_goes_out_through_the_outbox(org, smtp_server, purge_queue, celery_worker_factory):
    celery_worker_factory()
    with transaction.atomic():
        notify(org.rep, "Quote Q-000001 approved", "Dustin approved it.", "/sales/quotes/1/")
    message = smtp_server.wait_for(1, timeout=20)[0]
    assert message["To"] == org.rep.email
    assert message["Subject"] == "Quote Q-000001 approved"
    body = message.get_content()
    assert "Dustin approved it." in body and "/sales/quotes/1/" in body
