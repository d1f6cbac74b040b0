"""Tell a user about something: an in-app notification plus an e-mail.

``notify(user, subject, body, url)`` is called inside the service's transaction: the
notification row and the outbox event commit (or roll back) with the change. The e-mail is
sent by the outbox handler below, after commit, by a Celery worker.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .events import handles, record
from .models import Notification


def notify(user, subject: str, body: str = "", url: str = "", *, email: bool = True):
    if user is None or not getattr(user, "is_active", False):
        return None
    note = Notification.objects.create(user=user, subject=subject[:255], body=body, url=url)
    if email and user.email:
        record("notify.email", {"notification_id": note.pk})
    return note


@handles("notify.email")
def send_notification_email(event):
    note = (
        Notification.objects.select_related("user")
        .filter(pk=event.payload["notification_id"])
        .first()
    )
    if note is None or not note.user.email:
        return
    link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
    body = "\n\n".join(part for part in (note.body, link) if part)
    message = EmailMessage(
        subject=note.subject,
        body=body,
        to=[note.user.email],
        # one Message-ID per notification: a re-sent copy (worker killed after sending) is
        # recognisably the same message
        headers={"Message-ID": f"<notification-{note.pk}@crm>"},
    )
    message.send()
