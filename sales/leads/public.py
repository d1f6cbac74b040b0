"""The public web-to-lead form, embeddable on a company's site in an iframe.

Protection, and why there is no CSRF token:

* A page framed by another site is a third-party context: browsers do not send our
  ``SameSite=Lax`` CSRF cookie with its POST, so Django's CSRF check would refuse every
  honest visitor. CSRF protects what a logged-in user's session may do; this form does nothing
  with a session (the view never looks at ``request.user``; a lead is written with no author),
  so a forged submission is no worse than a direct one. The view is therefore ``csrf_exempt``
  and protects itself against what does matter here, spam:
* a signed form token (``signing.dumps`` with its own salt) carrying the time it was issued
  and a nonce: a POST without a token we issued is refused, one older than ``TOKEN_MAX_AGE``
  asks the visitor to send again, and the nonce is used once (a double click or a replayed
  POST creates one lead);
* a time trap: a form sent less than ``MIN_SECONDS`` after it was issued came from a bot;
* a honeypot field hidden from people: filled in means a bot;
* a rate limit per client address in Redis (the Django cache), answered with 429.

Bots get the thank-you page (nothing to learn from) and no lead. Framing is allowed for these
views only (``xframe_options_exempt``); the rest of the site keeps ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..models import Lead
from .services import lead_save

log = logging.getLogger(__name__)

SALT = "sales.leads.public_form"
MIN_SECONDS = 3
TOKEN_MAX_AGE = 24 * 3600
DEFAULT_SOURCE = "Web form"


def rate_limit() -> tuple[int, int]:
    """(submissions, per seconds) allowed per client address; settings may change them."""
    return (
        getattr(settings, "LEAD_FORM_RATE_LIMIT", 5),
        getattr(settings, "LEAD_FORM_RATE_WINDOW", 600),
    )


def form_token(*, issued_at: float | None = None) -> str:
    issued = int(issued_at if issued_at is not None else time.time())
    return signing.dumps({"t": issued, "n": secrets.token_urlsafe(12)}, salt=SALT)


def read_token(token: str) -> dict | None:
    try:
        value = signing.loads(token or "", salt=SALT, max_age=TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("t"), int):
        return None
    return value


def over_limit(request) -> bool:
    """Count this POST against the client's window; True once past the limit. With Redis down
    the limit is not applied (logged), as the API's throttles (``core.api.throttling``)."""
    from core.api.throttling import CACHE_ERRORS, cache_down

    limit, window = rate_limit()
    ip = get_client_ip_address(request) or "unknown"
    key = f"leadform:rate:{ip}:{int(time.time() // window)}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
    except CACHE_ERRORS as error:
        cache_down("Web-to-lead rate limit", error)
        return False
    return count > limit


def first_use(nonce: str) -> bool:
    """True the first time a form's token is sent. With Redis down the visitor's lead is taken
    (a double click may then make two leads, which the duplicate check shows) and a warning
    logged, as the rate limit and the API's throttles do, rather than a 500."""
    from core.api.throttling import CACHE_ERRORS, cache_down

    try:
        return bool(cache.add(f"leadform:nonce:{nonce}", 1, timeout=TOKEN_MAX_AGE))
    except CACHE_ERRORS as error:
        cache_down("Web-to-lead single-use token", error)
        return True


def forget_use(nonce: str) -> None:
    """The lead was refused: the visitor may correct the form and send the same token again."""
    from core.api.throttling import CACHE_ERRORS

    with contextlib.suppress(*CACHE_ERRORS):  # Redis down: first_use let it through, and will
        cache.delete(f"leadform:nonce:{nonce}")


def sales_regions() -> list[str]:
    """The regions of the sales teams (their offices), for the visitor to choose from."""
    from users.models import Team

    teams = Team.objects.filter(kind=Team.Kind.SALES).exclude(region="")
    return list(teams.order_by("region").values_list("region", flat=True).distinct())


class PublicLeadForm(forms.Form):
    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, label="Last name")
    email = forms.EmailField(label="Work e-mail")
    phone = forms.CharField(max_length=40, required=False)
    company = forms.CharField(max_length=200, required=False)
    title = forms.CharField(max_length=120, required=False, label="Job title")
    country = forms.CharField(max_length=80, required=False)
    region = forms.ChoiceField(
        required=False,
        label=_("Region"),
        help_text=_("The office nearest to you"),
    )
    employees = forms.IntegerField(
        min_value=1, max_value=10_000_000, required=False, label="Company size (employees)"
    )
    message = forms.CharField(
        max_length=5000, required=False, label="How can we help?",
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    # hidden: where the visitor came from, our token, and the honeypot
    # (no max_length: a malformed embed parameter is ignored or cut, never a form error)
    campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    source = forms.CharField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Our sales offices' regions: the assignment rules send a lead to a region's team.
        self.fields["region"].choices = [("", "—"), *((r, r) for r in sales_regions())]

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and sum(ch.isdigit() for ch in phone) < 5:
            raise forms.ValidationError("Enter a phone number, or leave it empty.")
        return phone

    def campaign_obj(self):
        from marketing.models import Campaign

        raw = (self.cleaned_data.get("campaign") or "").strip()
        if not raw.isdigit() or len(raw) > 18:
            return None
        return Campaign.objects.filter(
            pk=int(raw), status__in=[Campaign.Status.PLANNED, Campaign.Status.ACTIVE]
        ).first()

    def lead_data(self) -> dict:
        d = self.cleaned_data
        source = " ".join((d.get("source") or "").split())[:60] or DEFAULT_SOURCE
        return {
            "first_name": d["first_name"].strip(),
            "last_name": d["last_name"].strip(),
            "email": d["email"],
            "phone": d.get("phone", ""),
            "company": d.get("company", "").strip(),
            "title": d.get("title", "").strip(),
            "country": d.get("country", "").strip(),
            "region": d.get("region", ""),
            "employees": d.get("employees"),
            "message": d.get("message", ""),
            "source": source,
            "campaign": self.campaign_obj(),
            "status": Lead.Status.NEW,
        }


def _render(request, form, *, status=200, error=""):
    return render(request, "sales/leads/public_form.html",
                  {"form": form, "error": error}, status=status)  # fmt: skip


def _thanks():
    return HttpResponseRedirect(reverse("public_lead_thanks"))


@csrf_exempt
@xframe_options_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def lead_form_view(request):
    if request.method == "GET":
        initial = {
            "campaign": request.GET.get("campaign", "")[:20],
            "source": request.GET.get("source", "")[:200],
            "token": form_token(),
        }
        return _render(request, PublicLeadForm(initial=initial))

    if over_limit(request):
        limit, window = rate_limit()
        minutes = max(1, window // 60)
        return _render(
            request,
            PublicLeadForm(),
            status=429,
            error=f"Too many submissions from your address. Please try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
        )
    form = PublicLeadForm(request.POST)
    if request.POST.get("website"):
        log.info("Web-to-lead: honeypot filled; dropped")
        return _thanks()
    token = read_token(request.POST.get("token", ""))
    if token is None:
        data = request.POST.copy()
        data["token"] = form_token()
        error = "This form has expired. Please check it and send it again."
        return _render(request, PublicLeadForm(data), status=400, error=error)
    if time.time() - token["t"] < MIN_SECONDS:
        log.info("Web-to-lead: sent %.1fs after loading; dropped", time.time() - token["t"])
        return _thanks()
    if not form.is_valid():
        return _render(request, form, status=400)
    if not first_use(token["n"]):
        return _thanks()  # the same form sent twice: one lead
    data = form.lead_data()
    try:
        with transaction.atomic():
            lead_save(data=data, by=None, responded=data["campaign"] is not None)
    except ValidationError as error:
        forget_use(token["n"])
        for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
        return _render(request, form, status=400)
    return _thanks()


@xframe_options_exempt
def thanks_view(request):
    return render(request, "sales/leads/public_thanks.html")
