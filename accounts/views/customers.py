"""Account and contact pages: list, 360° detail (key figures, timeline, hierarchy, contacts,
consents), sectioned forms with a duplicate warning, history, merge, privacy export/erase."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import BooleanField, CharField, F, FilteredRelation, Q, Value
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from core import access
from core.access import Action
from core.views.generic import ObjectDetailView, RecordViews

from .. import hierarchy, merge, panels, services, timeline
from ..filters import AccountFilterSet, ContactFilterSet
from ..forms import (
    AccountForm,
    ConsentForm,
    ContactForm,
    ContactPointForm,
    CustomerBulkEditForm,
    is_privacy_officer,
)
from ..history import revisions
from ..models import Account, AccountContactRelation, Channel, Consent, Contact
from ..tables import AccountTable, ContactTable
from .contact_actions import (
    consent_view,
    erase_view,
    export_view,
    point_add_view,
    point_change_view,
)

TIMELINE_PAGE = 20
RELATED_SHOWN = 50


# -- detail helpers -----------------------------------------------------------------------------
def _address(obj, prefix):
    parts = [getattr(obj, f"{prefix}_{p}") for p in ("street", "postcode", "city", "region")]
    street, postcode, city, region = parts
    lines = [street, " ".join(v for v in (postcode, city) if v), region,
             getattr(obj, f"{prefix}_country")]  # fmt: skip
    return "\n".join(line for line in lines if line)


def _rows(obj, names):
    rows = []
    for name in names:
        f = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if display else getattr(obj, name)
        if value not in (None, ""):
            rows.append((f.verbose_name, value))
    return rows


def _money(obj):
    if obj.annual_revenue is None:
        return None
    from catalog import money

    return money.display(obj.annual_revenue, obj.currency)


def _sections(obj, spec):
    out = []
    for title, names, address in spec:
        rows = _rows(obj, [n for n in names if n not in ("annual_revenue", "currency")])
        if "annual_revenue" in names and obj.annual_revenue is not None:
            rows.append(("annual revenue", _money(obj)))
        if address:
            text = _address(obj, address)
            if text:
                rows.append((f"{address} address", text))
        if rows:
            out.append((title, rows))
    return out


def _figures(account_ids, user):
    return [
        {"label": f.label, "value": value, "format": f.format, "key": f.key}
        for f, value in timeline.figures_for(account_ids, user)
    ]


def _parse_cursor(raw: str):
    """``<ISO time>|<id>`` of the last entry shown -> (time, id); bad input -> ValueError."""
    when, _, pk = raw.rpartition("|")
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        raise ValueError("cursor without a time zone")
    return moment, int(pk)


def timeline_context(request, entries, url: str, *, paged: bool = True) -> dict:
    """One keyset page of a timeline: entries older than the cursor, newest first. A bad
    cursor raises ValueError; ``paged=False`` (the detail page) starts at the newest."""
    all_kinds = timeline.kinds()
    chosen = [k for k in request.GET.getlist("kind") if k in {k.key for k in all_kinds}]
    if chosen:
        entries = entries.filter(kind__in=chosen)
    cursor = request.GET.get("after") if paged else None
    if cursor:
        when, pk = _parse_cursor(cursor)
        entries = entries.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, pk__lt=pk))
    page = list(entries.order_by("-occurred_at", "-id")[: TIMELINE_PAGE + 1])
    more = len(page) > TIMELINE_PAGE
    page = page[:TIMELINE_PAGE]
    next_url = ""
    if more:
        last = page[-1]
        query = [("kind", k) for k in chosen] + [
            ("after", f"{last.occurred_at.isoformat()}|{last.pk}")
        ]
        next_url = f"{url}?{urlencode(query)}"
    for e in page:
        e.kind_info = timeline.kind(e.kind)
    return {
        "entries": page,
        "next_url": next_url,
        "timeline_url": url,
        "timeline_kinds": all_kinds,
        "chosen_kinds": chosen,
        "first_page": not cursor,
    }


def _people_of(account):
    """The account's own contacts and the contacts of other accounts related to it (through
    AccountContactRelation), in one query (UNION ALL of two limited selects): (contacts,
    relations), each up to one more than shown, so the page knows there are more."""
    limit = RELATED_SHOWN + 1
    order = ("last_name", "first_name", "pk")
    own = (
        Contact.objects.filter(account=account)
        .annotate(rel_role=Value("", output_field=CharField()),
                  rel_active=Value(True, output_field=BooleanField()), own=Value(1))
        .order_by(*order)[:limit]
    )  # fmt: skip
    related = (
        Contact.objects.annotate(
            rel=FilteredRelation("relations", condition=Q(relations__account=account))
        )
        .filter(rel__isnull=False)
        .annotate(rel_role=F("rel__role"), rel_active=F("rel__is_active"), own=Value(0))
        .order_by(*order)[:limit]
    )  # fmt: skip
    rows = list(own.union(related, all=True))
    contacts = [c for c in rows if c.own]
    relations = [
        AccountContactRelation(
            account=account, contact=c, role=c.rel_role or "", is_active=c.rel_active
        )  # fmt: skip
        for c in rows
        if not c.own
    ]
    key = lambda c: (c.last_name, c.first_name, c.pk)  # noqa: E731
    contacts.sort(key=key)
    relations.sort(key=lambda r: key(r.contact))
    return contacts, relations


# -- declarations -------------------------------------------------------------------------------
class CustomerViews(RecordViews):
    """What accounts and contacts share: service hooks, extra pages."""

    form_template = "accounts/record_form.html"
    bulk_edit_form = CustomerBulkEditForm
    service = None  # account_save / contact_save

    @classmethod
    def _call_service(cls, obj, data, user, tags):
        raise NotImplementedError

    @classmethod
    def save(cls, *, form, user, created):
        data, tags = form.service_data()
        current = None
        if not created:  # the form has already written onto its instance: compare with the row
            current = cls.model.objects.select_for_update().get(pk=form.instance.pk)
        return cls._call_service(current, data, user, tags)

    @classmethod
    def bulk_update(cls, *, obj, changes, user):
        changes = dict(changes)
        tags = changes.pop("add_tags", None)
        if changes:
            cls._call_service(obj, changes, user, None)
        if tags:
            obj.tags.add(*tags)

    @classmethod
    def delete(cls, *, obj, user):
        obj._history_user = user
        obj.delete()

    @classmethod
    def base_context(cls, request, obj):
        user = request.user
        can_change = access.is_allowed(user, obj, Action.CHANGE)
        url = lambda action: reverse(f"accounts:{cls.name}_{action}", args=[obj.pk])  # noqa: E731
        return {
            "tags": list(obj.tags.all()),
            "can_merge": can_change and access.is_allowed(user, obj, Action.DELETE),
            "merge_url": url("merge"),
            "history_url": url("history"),
        }

    @classmethod
    def urls(cls):
        n = cls.name
        patterns = [p for p in super().urls() if p.name != f"{n}_detail"]
        return patterns + [
            path("<int:pk>/", cls.view(CustomerDetailView), name=f"{n}_detail"),
            path("<int:pk>/timeline/", record_view(cls, timeline_view), name=f"{n}_timeline"),
            path("<int:pk>/history/", record_view(cls, history_view), name=f"{n}_history"),
            path("<int:pk>/merge/", record_view(cls, merge_view), name=f"{n}_merge"),
        ]


class AccountViews(CustomerViews):
    model = Account
    namespace = "accounts"
    queryset = Account.objects.select_related("owner", "team", "parent")
    filterset_class = AccountFilterSet
    table_class = AccountTable
    form_class = AccountForm
    detail_template = "accounts/account_detail.html"
    export_fields = (
        "id", "name", "industry", "website", "phone", "email", "billing_city", "billing_country",
        "annual_revenue", "currency", "employees", "owner__username", "team__name",
    )  # fmt: skip
    detail_spec = (
        ("Identity", ("kind", "website", "description"), None),
        ("Contact details", ("phone", "phone_alt", "email"), None),
        ("Addresses", (), "billing"),
        ("", (), "shipping"),
        (
            "Classification",
            ("industry", "tier", "segment", "annual_revenue", "currency", "employees", "source"),
            None,
        ),  # fmt: skip
        ("Ownership", ("owner", "team"), None),
    )

    @classmethod
    def _call_service(cls, obj, data, user, tags):
        return services.account_save(account=obj, data=data, by=user, tags=tags)

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        root, descendants, truncated = hierarchy.tree(obj)
        contacts, relations = _people_of(obj)
        url = reverse("accounts:account_timeline", args=[obj.pk])
        entries = timeline.for_account(obj, user)
        return {
            **cls.base_context(request, obj),
            "sections": _sections(obj, cls.detail_spec),
            "figures": _figures([obj.pk, *descendants], user),
            "figures_scope": len(descendants),
            "tree": hierarchy.flatten(root),
            "tree_truncated": truncated,
            "contacts": contacts[:RELATED_SHOWN],
            "contacts_more": len(contacts) > RELATED_SHOWN,
            "relations": relations[:RELATED_SHOWN],
            "relations_more": len(relations) > RELATED_SHOWN,
            "panels": panels.for_account(obj, user),
            **timeline_context(request, entries, url, paged=False),
        }


class ContactViews(CustomerViews):
    model = Contact
    namespace = "accounts"
    queryset = Contact.objects.select_related("owner", "team", "account")
    filterset_class = ContactFilterSet
    table_class = ContactTable
    form_class = ContactForm
    detail_template = "accounts/contact_detail.html"
    export_fields = (
        "id", "first_name", "last_name", "title", "account__name", "email", "phone",
        "owner__username", "team__name",
    )  # fmt: skip
    detail_spec = (
        ("Identity", ("salutation", "title", "department", "birthday", "description"), None),
        ("Reach", ("preferred_channel", "language"), "mailing"),
        ("Classification", ("source",), None),
        ("Ownership", ("owner", "team"), None),
    )

    @classmethod
    def _call_service(cls, obj, data, user, tags):
        return services.contact_save(contact=obj, data=data, by=user, tags=tags)

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        points = list(obj.points.order_by("kind", "pk"))
        consents = {c.channel: c for c in obj.consents.all()}
        relations = list(
            obj.relations.select_related("account").order_by("account__name", "pk")[:RELATED_SHOWN]
        )
        url = reverse("accounts:contact_timeline", args=[obj.pk])
        privacy_ok = is_privacy_officer(user) and not obj.erased_at
        return {
            **cls.base_context(request, obj),
            "sections": _sections(obj, cls.detail_spec),
            "figures": _figures([obj.account_id], user) if obj.account_id else [],
            "emails": [p for p in points if p.kind == "email"],
            "phones": [p for p in points if p.kind == "phone"],
            "consent_rows": [
                (value, label, consents.get(value)) for value, label in Channel.choices
            ],
            "consent_form": ConsentForm(),
            "point_form": ContactPointForm(),
            "can_change": access.is_allowed(user, obj, Action.CHANGE),
            "relations": relations,
            "can_privacy": privacy_ok,
            **timeline_context(request, timeline.for_contact(obj, user), url, paged=False),
        }

    @classmethod
    def urls(cls):
        n = cls.name
        return super().urls() + [
            path("<int:pk>/consent/", record_view(cls, consent_view), name=f"{n}_consent"),
            path("<int:pk>/points/", record_view(cls, point_add_view), name=f"{n}_point_add"),
            path(
                "<int:pk>/points/<int:point_pk>/<str:action>/",
                record_view(cls, point_change_view),
                name=f"{n}_point_change",
            ),
            path("<int:pk>/export/", record_view(cls, export_view), name=f"{n}_export"),
            path("<int:pk>/erase/", record_view(cls, erase_view), name=f"{n}_erase"),
        ]


# -- views --------------------------------------------------------------------------------------
class CustomerDetailView(ObjectDetailView):
    """The generic detail page; a merged-away id forwards to the record it went into."""

    def get(self, request, pk):
        try:
            return super().get(request, pk)
        except Http404:
            target = merge.forwarding_pk(self.model, pk)
            if target is None:
                raise
            messages.info(request, f"#{pk} was merged into this {self.model._meta.verbose_name}.")
            return HttpResponseRedirect(self.url("detail", target))


def record_view(views, func):
    @login_required
    def view(request, pk, **kwargs):
        obj = get_object_or_404(views.get_queryset(), pk=pk)
        access.check(request.user, obj, Action.VIEW)
        return func(request, views, obj, **kwargs)

    return view


def timeline_view(request, views, obj):
    url = reverse(f"accounts:{views.name}_timeline", args=[obj.pk])
    entries = (timeline.for_account if views.model is Account else timeline.for_contact)(
        obj, request.user
    )
    try:
        ctx = timeline_context(request, entries, url)
    except ValueError:
        return HttpResponseBadRequest("Bad cursor")
    if not ctx["first_page"] or (request.htmx and request.htmx.target == "timeline-items"):
        return render(request, "accounts/_timeline_items.html", ctx)
    return render(request, "accounts/_timeline.html", {**ctx, "object": obj})


def history_view(request, views, obj):
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    revs, more = revisions(obj, page)
    ctx = {"revisions": revs, "page": page, "more": more, "object": obj,
           "history_url": reverse(f"accounts:{views.name}_history", args=[obj.pk])}  # fmt: skip
    if views.model is Contact:
        ctx["consent_history"] = list(
            Consent.history.filter(contact_id=obj.pk)
            .select_related("history_user")
            .order_by("-history_date")[:20]
        ) if page == 1 else []  # fmt: skip
    return render(request, "accounts/_history.html", ctx)


def _candidates(views, obj, q):
    model = views.model
    if q.isdigit():
        found = list(model.objects.filter(pk=int(q)).exclude(pk=obj.pk))
    elif model is Account:
        found = list(model.objects.filter(name__icontains=q).exclude(pk=obj.pk)[:10])
    else:
        found = list(
            model.objects.filter(Q(last_name__icontains=q) | Q(email__iexact=q))
            .exclude(pk=obj.pk)
            .select_related("account")[:10]
        )
    return found


def _suggestions(views, obj):
    if views.model is Account:
        return services.duplicate_accounts(name=obj.name, email=obj.email, website=obj.website,
                                           exclude_pk=obj.pk)  # fmt: skip
    return services.duplicate_contacts(
        email=obj.email, phone=obj.phone, first_name=obj.first_name, last_name=obj.last_name,
        account=obj.account, exclude_pk=obj.pk,
    )  # fmt: skip


def merge_view(request, views, obj):
    user = request.user
    access.check(user, obj, Action.CHANGE)
    model = views.model
    raw_other = request.POST.get("other") or request.GET.get("other") or ""
    q = request.GET.get("q", "").strip()
    ctx = {"object": obj, "views": views, "model_name": model._meta.verbose_name,
           "list_url": reverse(f"accounts:{views.name}_list"), "q": q}  # fmt: skip
    if not raw_other.isdigit():
        ctx["candidates"] = _candidates(views, obj, q) if q else []
        ctx["suggestions"] = _suggestions(views, obj)
        return render(request, "accounts/merge.html", ctx)

    other = model.objects.filter(pk=int(raw_other)).first()
    if other is None or other.pk == obj.pk:
        raise Http404
    keep_other = (request.POST.get("keep") or request.GET.get("keep")) == "other"
    keep, lose = (other, obj) if keep_other else (obj, other)
    merge.check_allowed(user, keep, lose)
    if request.method == "POST" and request.POST.get("confirm"):
        with transaction.atomic():
            counts = merge.merge(keep=keep, other=lose, by=user)
        moved = sum(v for k, v in counts.items() if "dropped" not in k)
        messages.success(
            request, f"Merged “{lose}” into “{keep}”: {moved} related record(s) moved."
        )
        return HttpResponseRedirect(keep.get_absolute_url())
    ctx.update(other=other, keep=keep, lose=lose, keep_other=keep_other,
               choices=merge.preview(keep, lose))  # fmt: skip
    return render(request, "accounts/merge.html", ctx)
