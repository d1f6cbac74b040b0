"""Pages of the app shell: landing redirect, error pages, the dev mail reader."""

import mailbox
from email.header import decode_header, make_header
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from core.navigation import WORKSPACE_BY_ROLE


@login_required
def home(request):
    target = WORKSPACE_BY_ROLE.get(request.user.role)
    if target is None:
        return render(request, "no_role.html", status=403)
    return redirect(target)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def error_404(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "errors/403.html", status=403)


def error_400(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "errors/400.html", status=400)


def error_500(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Server error. It has been logged."}, status=500)
    return render(request, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)


def _header(value) -> str:
    return str(make_header(decode_header(value or "")))


def dev_mail(request):
    """Mail that the local SMTP sink received (`make run` only, DEBUG on): password resets are
    read here before one can log in, so it needs no login; it does not exist in production."""
    if not (settings.DEBUG and settings.DEV_MAILDIR):
        raise Http404
    box = mailbox.Maildir(Path(settings.DEV_MAILDIR), create=True)
    messages = []
    for key, msg in box.items():
        body = msg.get_payload(decode=True) if not msg.is_multipart() else None
        if msg.is_multipart():
            part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
            body = part.get_payload(decode=True) if part else b""
        messages.append(
            {
                "key": key,
                "subject": _header(msg["Subject"]),
                "to": _header(msg["To"]),
                "date": msg["Date"],
                "body": (body or b"").decode("utf-8", "replace"),
            }
        )
    messages.sort(key=lambda m: m["key"], reverse=True)
    return render(request, "dev_mail.html", {"mails": messages[:50]})
