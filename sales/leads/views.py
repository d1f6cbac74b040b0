"""The lead pages: list (filters, unassigned queue, CSV, bulk assign), the sectioned form
with the duplicate warning, the detail page with the score's explanation, assignment history
and what the lead became, the quick status change, activity logging and the conversion."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from accounts.models import Activity, Contact
from accounts.services import activity_save, duplicate_accounts
from catalog import money
from core import access
from core.access import Action
from core.views.generic import BulkEditView, ObjectEditView, RecordViews, safe_return_url

from ..models import Lead
from ..templatetags.lead_badges import STATUS_BADGES, score_badge
from . import conversion, scoring, services, timeline
from .filters import LeadFilterSet
from .forms import SOURCES, ConvertForm, LeadBulkEditForm, LeadForm, StatusForm
from .tables import LeadTable

SHOWN = 20


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class LeadEditView(ObjectEditView):
    """The generic create/edit, saving through ``lead_save``: a service refusal (a converted
    lead, a status without its reason) is a form error; a new lead the rules gave to another
    team opens the list with a message instead of a page the user may not see."""

    def context(self, **extra):
        return super().context(sources=SOURCES, **extra)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(obj, request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = services.lead_save(lead=obj, data=form.service_data(), by=request.user)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                verb = "Created" if obj is None else "Saved"
                if not access.is_allowed(request.user, saved, Action.VIEW):
                    where = saved.team or "the queue"
                    messages.success(
                        request, f"{verb} lead “{saved}”; the assignment rules gave it to {where}."
                    )
                    return HttpResponseRedirect(self.url("list"))
                messages.success(request, f"{verb} lead “{saved}”.")
                return HttpResponseRedirect(safe_return_url(request, saved.get_absolute_url()))
        return self.render_form(form, obj)


class LeadBulkEditView(BulkEditView):
    def apply(self, objects, form, user):
        return services.bulk_change(objects, changes=form.changes(), by=user)


def _rows(obj, names):
    """(label, text) of the filled-in fields: choices by their label, times local and short,
    the budget with its currency."""
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        raw = getattr(obj, name)
        if raw in (None, "") or name == "budget_currency":
            continue
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if display else raw
        if isinstance(raw, datetime.datetime):
            value = formats.date_format(timezone.localtime(raw), "SHORT_DATETIME_FORMAT")
        elif name == "budget":
            currency = obj.budget_currency or settings.CRM_BASE_CURRENCY
            value = money.display(raw, currency)
        rows.append((field.verbose_name, value))
    return rows


class LeadViews(RecordViews):
    model = Lead
    namespace = "sales"
    queryset = Lead.objects.select_related(
        "owner", "team", "campaign", "converted_by", "converted_account", "converted_contact",
        "converted_opportunity",
    )  # fmt: skip
    list_select_related = ("owner", "team")
    filterset_class = LeadFilterSet
    table_class = LeadTable
    form_class = LeadForm
    bulk_edit_form = LeadBulkEditForm
    list_template = "sales/leads/lead_list.html"
    detail_template = "sales/leads/lead_detail.html"
    form_template = "sales/leads/lead_form.html"
    export_fields = (
        "id", "salutation", "first_name", "last_name", "title", "company", "industry",
        "employees", "email", "phone", "country", "region", "city", "source", "campaign__name",
        "budget", "budget_currency", "authority", "timeframe", "status", "disqualified_reason",
        "score", "owner__username", "team__name", "created_at", "converted_at",
    )  # fmt: skip
    detail_spec = (
        ("Person", ("salutation", "title", "email", "phone")),
        ("Company", ("company", "industry", "employees", "website", "city", "region", "country")),
        ("Source", ("source", "campaign", "message")),
        ("Qualification (BANT)", ("budget", "budget_currency", "authority", "timeframe", "need")),
        ("Ownership", ("owner", "team", "assigned_at", "created_at")),
    )

    @classmethod
    def delete(cls, *, obj, user):
        services.lead_delete(lead=obj, by=user)

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        can_change = access.is_allowed(user, obj, Action.CHANGE) and not obj.is_converted
        explanation = obj.score_explanation or []
        groups = {}
        for row in explanation:
            groups.setdefault(row.get("kind", "fit"), []).append(row)
        lead_type = timeline.lead_type()
        return {
            "sections": [(t, r) for t, names in cls.detail_spec if (r := _rows(obj, names))],
            "can_change": can_change,
            "can_convert": can_change and obj.status == Lead.Status.QUALIFIED,
            "interests": list(obj.interest.order_by("name")),
            "score_groups": [
                (label, groups[key], sum(r["points"] for r in groups[key]))
                for key, label in (
                    ("fit", "Fit"),
                    ("engagement", "Engagement"),
                    ("learned", "Learned from our history"),
                    ("cap", "Bounds"),
                )
                if key in groups
            ],  # fmt: skip
            "score_css": score_badge(obj.score),
            "status_css": STATUS_BADGES.get(obj.status, ""),
            "status_form": StatusForm(initial={"status": obj.status}),
            "assignments": list(
                obj.assignments.select_related("owner", "team", "assigned_by", "rule")[:SHOWN]
            ),
            "entries": list(
                timeline.entries_of(obj)
                .select_related("actor")
                .order_by("-occurred_at", "-id")[:SHOWN]
            ),
            "activities": list(
                Activity.objects.filter(related_type=lead_type, related_id=obj.pk)
                .select_related("assigned_to")
                .order_by("-starts_at", "-id")[:SHOWN]
            ),
            "campaigns": list(
                obj.campaign_members.select_related("campaign").order_by("-added_at")
            ),
            "activity_kinds": [k for k in Activity.Kind.choices if k[0] != "task"],
        }

    @classmethod
    def urls(cls):
        n = cls.name
        replaced = {f"{n}_add", f"{n}_edit", f"{n}_bulk_edit"}
        patterns = [p for p in super().urls() if p.name not in replaced]
        return [
            path("add/", cls.view(LeadEditView), name=f"{n}_add"),
            path("<int:pk>/edit/", cls.view(LeadEditView), name=f"{n}_edit"),
            path("bulk/edit/", cls.view(LeadBulkEditView), name=f"{n}_bulk_edit"),
            *patterns,
            path("<int:pk>/status/", status_view, name=f"{n}_status"),
            path("<int:pk>/activity/", activity_view, name=f"{n}_activity"),
            path("<int:pk>/convert/", convert_view, name=f"{n}_convert"),
        ]


def _lead_for_change(request, pk) -> Lead:
    lead = get_object_or_404(LeadViews.get_queryset(), pk=pk)
    access.check(request.user, lead, Action.CHANGE)
    return lead


@login_required
@require_POST
def status_view(request, pk):
    lead = _lead_for_change(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(lead.get_absolute_url())
    try:
        lead = services.set_status(lead=lead, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{lead} is now {lead.get_status_display().lower()}.")
    return HttpResponseRedirect(lead.get_absolute_url())


@login_required
@require_POST
def activity_view(request, pk):
    """Log a call, meeting, note or e-mail on the lead: it counts for the engagement score
    and follows the lead to its contact and account at conversion."""
    lead = _lead_for_change(request, pk)
    kind = request.POST.get("kind", "")
    subject = request.POST.get("subject", "").strip()[:200]
    if kind not in Activity.Kind.values or not subject:
        messages.error(request, "Choose a kind and write a subject.")
        return HttpResponseRedirect(lead.get_absolute_url())
    with transaction.atomic():
        activity_save(
            data={
                "kind": kind,
                "subject": subject,
                "body": request.POST.get("body", "")[:5000],
                "starts_at": timezone.now(),
                "done": True,
                "assigned_to": request.user,
                "team": lead.team,
                "related_type": timeline.lead_type(),
                "related_id": lead.pk,
            },
            by=request.user,
        )
        if lead.status == Lead.Status.NEW and not lead.is_converted:
            services.lead_save(lead=lead, data={"status": Lead.Status.WORKING}, by=request.user)
        else:
            scoring.score_lead(lead)
    messages.success(request, f"Logged “{subject}”.")
    return HttpResponseRedirect(lead.get_absolute_url())


def _suggestions(lead: Lead):
    accounts = (
        duplicate_accounts(name=lead.company, website=conversion._website(lead.website))
        if lead.company else []
    )  # fmt: skip
    contacts = []
    if lead.email:
        contacts = list(
            Contact.objects.filter(email__iexact=lead.email.strip(), merged_into__isnull=True)
            .select_related("account")
            .order_by("pk")[:5]
        )
    return accounts, contacts


@login_required
def convert_view(request, pk):
    lead = _lead_for_change(request, pk)
    if lead.is_converted:
        messages.info(request, "This lead was converted already.")
        return HttpResponseRedirect(lead.get_absolute_url())
    if lead.status != Lead.Status.QUALIFIED:
        messages.warning(request, "Only a qualified lead can be converted. Qualify it first.")
        return HttpResponseRedirect(lead.get_absolute_url())
    accounts, contacts = _suggestions(lead)
    data = request.POST if request.method == "POST" else None
    form = ConvertForm(data, lead=lead, accounts=accounts, contacts=contacts, user=request.user)
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            result = conversion.convert_lead(
                lead=lead,
                by=request.user,
                account=d["account"],
                contact=d["contact"],
                create_opportunity=d["create_opportunity"],
                opportunity_data=form.opportunity_data() if d["create_opportunity"] else None,
            )
        except conversion.AlreadyConverted as error:
            messages.warning(request, " ".join(error.messages))
            return HttpResponseRedirect(lead.get_absolute_url())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            made = [f"account “{result.account}”", f"contact “{result.contact}”"]
            if result.opportunity:
                made.append(f"opportunity “{result.opportunity}”")
            messages.success(request, f"Converted {lead} into {', '.join(made)}.")
            return HttpResponseRedirect(lead.get_absolute_url())
    ctx = {
        "object": lead,
        "form": form,
        "list_url": reverse("sales:lead_list"),
        "base_currency": settings.CRM_BASE_CURRENCY,
    }
    return render(request, "sales/leads/convert.html", ctx, status=400 if form.errors else 200)
