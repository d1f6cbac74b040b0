"""Possible duplicates of a new lead among the leads and contacts we have: the same e-mail,
the same phone digits, or a similar name at a similar company. Each condition uses an index
(``lower(email)``, trigram GIN on the phone digits and the full name)."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import Contact
from core import search

from ..models import Lead

LIMIT = 5
MIN_PHONE_DIGITS = 6


def _similar(a: str, b: str, ratio: float = 0.75) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    return bool(a and b) and (a == b or SequenceMatcher(None, a, b).ratio() >= ratio)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _matches(model, *, email, digits, name, company, company_of, phones, queryset):
    condition = Q()
    if email:
        condition |= Q(dup_email=email)
    if digits:
        condition |= Q(dup_phone__contains=digits)
    if name:
        condition |= Q(dup_name__trigram_similar=name)
    if not condition:
        return []
    rows = (
        queryset.annotate(
            dup_email=Lower("email"),
            dup_phone=search.phone_digits(*phones),
            dup_name=search.full_name("first_name", "last_name"),
        )
        .filter(condition)
        .order_by("-pk")[: LIMIT * 4]
    )
    found = []
    for row in rows:
        same_contact = (email and row.dup_email == email) or (digits and digits in row.dup_phone)
        same_person = name and _similar(row.dup_name, name) and (
            not company or _similar(company_of(row), company)
        )  # fmt: skip
        if same_contact or same_person:
            found.append(row)
    return found[:LIMIT]


def find(*, user, first_name="", last_name="", company="", email="", phone="", exclude_pk=None):
    """(leads, contacts, hidden): the leads the user may see, the contacts (everyone reads
    them), and how many matching leads are in teams the user cannot see (a count only)."""
    email = (email or "").strip().lower()
    digits = _digits(phone or "")
    digits = digits if len(digits) >= MIN_PHONE_DIGITS else ""
    name = f"{first_name or ''} {last_name or ''}".strip().lower() if last_name else ""
    company = (company or "").strip()
    args = {"email": email, "digits": digits, "name": name, "company": company}

    all_leads = _matches(
        Lead, **args, company_of=lambda r: r.company, phones=("phone",),
        queryset=Lead.objects.exclude(pk=exclude_pk).select_related("owner"),
    )  # fmt: skip
    visible = set(
        Lead.objects.visible_to(user).filter(pk__in=[r.pk for r in all_leads]).values_list(
            "pk", flat=True
        )
    ) if user is not None and all_leads else set()  # fmt: skip
    contacts = _matches(
        Contact, **args, company_of=lambda r: r.account.name if r.account_id else "",
        phones=("phone", "mobile"),
        queryset=Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .select_related("account"),
    )  # fmt: skip
    leads = [r for r in all_leads if r.pk in visible]
    for row in leads:
        row.dup_kind = "Lead"
    for row in contacts:
        row.dup_kind = "Contact"
    return leads, contacts, len(all_leads) - len(leads)
