"""Generic record views: list, detail, create/edit, delete, bulk edit/delete and CSV export.

An app declares one ``RecordViews`` subclass per model: a queryset, a filterset, a table and a
form. Permissions (row-level, via ``core.access``), pagination, sorting, filtering, htmx
partial rendering, export and "return to where you were" live here and nowhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import InvalidPage
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_tables2 import LazyPaginator, RequestConfig
from django_tables2.rows import BoundRows

from core import access, search
from core.access import Action
from core.export import stream_csv
from core.forms import BulkEditForm
from core.models import SavedFilter

PER_PAGE_CHOICES = (25, 50, 100)
BULK_LIMIT = 1000
DEFERRED_JOIN_FROM = 1000  # rows skipped before a page is read ids first (see below)


class _IdsFirstRows:
    """A table's rows, sliced in two steps: the slice's ids (only the ordering's columns),
    then those rows with their joins, in the same order."""

    def __init__(self, rows: BoundRows, queryset: QuerySet):
        self.rows, self.queryset = rows, queryset

    def __getitem__(self, key: slice) -> BoundRows:
        ids = list(self.queryset.values_list("pk", flat=True)[key])
        by_pk = {obj.pk: obj for obj in self.queryset.order_by().filter(pk__in=ids)}
        records = [by_pk[pk] for pk in ids if pk in by_pk]
        return BoundRows(data=records, table=self.rows.table, pinned_data=self.rows.pinned_data)


class DeferredJoinPaginator(LazyPaginator):
    """``LazyPaginator`` (no COUNT) that keeps deep pages cheap on big tables.

    An OFFSET makes PostgreSQL build every skipped row, joins included: page 500 of a million
    contacts joined 12,500 accounts, owners and teams only to throw them away. Past
    ``DEFERRED_JOIN_FROM`` rows the page's ids come first (an index-only scan where an index
    matches the ordering), then only those rows with their joins. Same URLs, same rows, one
    query more. Annotated or DISTINCT querysets (search results) keep the single query.
    """

    def page(self, number):
        number = self.validate_number(number or 1)
        queryset = getattr(getattr(self.object_list, "data", None), "data", None)
        if (
            (number - 1) * self.per_page >= DEFERRED_JOIN_FROM
            and isinstance(queryset, QuerySet)
            and queryset._result_cache is None
            and not queryset.query.annotations
            and not queryset.query.distinct
        ):
            self.object_list = _IdsFirstRows(self.object_list, queryset)
        return super().page(number)


def safe_return_url(request, default: str) -> str:
    url = request.POST.get("return_url") or request.GET.get("return_url")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


class RecordViewMixin(LoginRequiredMixin):
    """What every generic view knows: its declaration (``views``) and the current user."""

    views: type[RecordViews]

    @property
    def model(self):
        return self.views.model

    def base_queryset(self):
        return self.views.get_queryset()

    def url(self, action: str, *args) -> str:
        return reverse(f"{self.views.namespace}:{self.views.name}_{action}", args=args)

    def context(self, **extra) -> dict:
        ctx = {
            "views": self.views,
            "model_name": self.model._meta.verbose_name,
            "model_name_plural": self.model._meta.verbose_name_plural,
            "list_url": self.url("list"),
            "can_add": self.model.access.can_add(self.request.user),
        }
        ctx.update(extra)
        return ctx


class ObjectListView(RecordViewMixin, View):
    def get(self, request):
        if search.parse(request.GET.get("q")) is None:
            return self.list(request)
        # ``q`` matches by trigram similarity (core.search): its thresholds hold for the page.
        with search.thresholds():
            response = self.list(request)
            if not response.streaming:
                return response
        return response  # a CSV export streams after the view: PostgreSQL's thresholds

    def list(self, request):
        views = self.views
        access.check_list(request.user, self.model)
        queryset = self.base_queryset().visible_to(request.user)
        filterset = views.filterset_class(request.GET or None, queryset=queryset, request=request)
        queryset = filterset.qs if filterset.is_bound else queryset
        if request.GET.get("export") == "csv" and views.export_fields:
            return stream_csv(queryset, views.export_fields, filename=views.name + "s")

        # No request= for the table, and no pagination by RequestConfig: either would paginate
        # once more with the default paginator (a COUNT of every visible row) or take any
        # ?per_page= as the page size. Sorting comes from RequestConfig, the size from the choices.
        # Search results come best first (``q``), unless a column is sorted.
        if views.list_select_related is not None:
            queryset = queryset.select_related(None).select_related(*views.list_select_related)
        searching = "search_rank" in queryset.query.annotations and not request.GET.get("sort")
        table = views.table_class(queryset, order_by=() if searching else None)
        table.bulk_enabled = bool(views.bulk_actions)
        per_page = request.GET.get("per_page")
        per_page = int(per_page) if per_page in {str(n) for n in PER_PAGE_CHOICES} else 25
        RequestConfig(request, paginate=False).configure(table)
        try:
            table.paginate(
                DeferredJoinPaginator, per_page=per_page, page=request.GET.get("page") or 1
            )
        except InvalidPage:
            table.paginate(DeferredJoinPaginator, per_page=per_page, page=1)
        ctx = self.context(
            table=table,
            filterset=filterset,
            per_page=per_page,
            per_page_choices=PER_PAGE_CHOICES,
            bulk_actions=views.bulk_actions,
            export_enabled=bool(views.export_fields),
            list_key=f"{views.namespace}:{views.name}_list",
            saved_filters=SavedFilter.objects.filter(
                user=request.user, list_key=f"{views.namespace}:{views.name}_list"
            ),
        )
        if request.htmx and request.htmx.target == "record-table":
            return render(request, "generic/_table.html", ctx)
        return render(request, views.list_template, ctx)


class ObjectDetailView(RecordViewMixin, View):
    def get(self, request, pk):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        access.check(request.user, obj, Action.VIEW)
        ctx = self.context(
            object=obj,
            fields=self.views.detail_rows(obj),
            can_change=access.is_allowed(request.user, obj, Action.CHANGE),
            can_delete=access.is_allowed(request.user, obj, Action.DELETE),
            edit_url=self.url("edit", obj.pk),
            delete_url=self.url("delete", obj.pk),
        )
        ctx.update(self.views.detail_context(request, obj))
        return render(request, self.views.detail_template, ctx)


class ObjectEditView(RecordViewMixin, View):
    """Create (no pk) or edit (pk). Saves in one transaction through ``views.save``."""

    def get_object(self, pk):
        if pk is None:
            access.check_add(self.request.user, self.model)
            return None
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        access.check(self.request.user, obj, Action.CHANGE)
        return obj

    def make_form(self, obj, data=None):
        initial = None
        if obj is None:
            initial = self.views.initial_for_create(self.request)
            fields = self.views.form_class.base_fields
            initial.update({k: v for k, v in self.request.GET.items() if k in fields})
        return self.views.form_class(data, instance=obj, initial=initial, user=self.request.user)

    def render_form(self, form, obj):
        # Only an explicit ?return_url= travels with the form; otherwise a saved record opens
        # its own page (a new one included), and Cancel goes back to where the user came from.
        explicit = safe_return_url(self.request, "")
        ctx = self.context(
            form=form,
            object=obj,
            return_url=explicit,
            cancel_url=explicit or (obj.get_absolute_url() if obj else self.url("list")),
        )
        return render(
            self.request, self.views.form_template, ctx, status=400 if form.errors else 200
        )

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        return self.render_form(self.make_form(obj), obj)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(form, obj)
        with transaction.atomic():
            saved = self.views.save(form=form, user=request.user, created=obj is None)
        verb = "Created" if obj is None else "Saved"
        messages.success(request, f"{verb} {self.model._meta.verbose_name} “{saved}”.")
        return HttpResponseRedirect(safe_return_url(request, saved.get_absolute_url()))


class ObjectDeleteView(RecordViewMixin, View):
    def get_object(self, pk):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        access.check(self.request.user, obj, Action.DELETE)
        return obj

    def get(self, request, pk):
        obj = self.get_object(pk)
        return render(
            request,
            "generic/object_confirm_delete.html",
            self.context(object=obj, return_url=safe_return_url(request, obj.get_absolute_url())),
        )

    def post(self, request, pk):
        obj = self.get_object(pk)
        label = str(obj)
        try:
            with transaction.atomic():
                self.views.delete(obj=obj, user=request.user)
        except ProtectedError:
            messages.error(request, f"“{label}” is still referenced by other records.")
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, f"Deleted {self.model._meta.verbose_name} “{label}”.")
        return HttpResponseRedirect(self.url("list"))


class BulkActionView(RecordViewMixin, View):
    """POST with ``pk`` values from a list. First POST shows a confirmation; the confirmed POST
    applies the action to the selected rows the user may change, in one transaction."""

    action = ""
    object_action = Action.CHANGE

    def selected(self, request):
        pks = {p for p in request.POST.getlist("pk") if p.isdigit()}
        chosen = self.base_queryset().filter(pk__in=list(pks)[:BULK_LIMIT])
        allowed = [
            obj
            for obj in chosen.editable_by(request.user)
            if access.is_allowed(request.user, obj, self.object_action)
        ]
        return allowed, len(pks) - len(allowed)

    def make_form(self, data=None):
        return None

    def post(self, request):
        access.check_list(request.user, self.model)
        objects, refused = self.selected(request)
        return_url = safe_return_url(request, self.url("list"))
        if not objects:
            messages.warning(request, "Select at least one record you may change.")
            return HttpResponseRedirect(return_url)
        form = self.make_form(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and (form is None or form.is_valid()):
            with transaction.atomic():
                count = self.apply(objects, form, request.user)
            messages.success(request, f"{self.done_verb} {count} {self.plural(count)}.")
            if refused:
                messages.warning(
                    request, f"{refused} selected record(s) you may not change were skipped."
                )
            return HttpResponseRedirect(return_url)
        ctx = self.context(
            objects=objects, refused=refused, form=form, action=self.action, return_url=return_url
        )
        return render(request, "generic/bulk_confirm.html", ctx)

    def plural(self, count):
        meta = self.model._meta
        return meta.verbose_name if count == 1 else meta.verbose_name_plural


class BulkEditView(BulkActionView):
    action = "edit"
    done_verb = "Updated"

    def make_form(self, data=None):
        return self.views.bulk_edit_form(data, user=self.request.user)

    def apply(self, objects, form, user):
        changes = form.changes()
        for obj in objects:
            self.views.bulk_update(obj=obj, changes=changes, user=user)
        return len(objects)


class BulkDeleteView(BulkActionView):
    action = "delete"
    object_action = Action.DELETE
    done_verb = "Deleted"

    def apply(self, objects, form, user):
        for obj in objects:
            self.views.delete(obj=obj, user=user)
        return len(objects)


class RecordViews:
    """The declaration an app writes for one model. ``urls()`` builds the pages.

    Override the service hooks (``save``, ``delete``, ``bulk_update``) to route writes through
    the app's services; the defaults save the form / object as is.
    """

    do_not_call_in_templates = True
    model = None
    namespace = ""
    queryset = None
    filterset_class = None
    table_class = None
    form_class = None
    bulk_edit_form: type[BulkEditForm] | None = None
    export_fields: tuple[str, ...] = ()
    # The list's joins, when the table shows fewer relations than the detail page reads
    # (every join costs PostgreSQL planning time on each list page): None keeps ``queryset``'s.
    list_select_related: tuple[str, ...] | None = None
    detail_fields: tuple[str, ...] = ()
    list_template = "generic/object_list.html"
    detail_template = "generic/object_detail.html"
    form_template = "generic/object_form.html"

    name = ""  # the model's name, set for each subclass
    allow_bulk_delete = True
    bulk_actions: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            cls.name = cls.model._meta.model_name
            cls.bulk_actions = (("edit",) if cls.bulk_edit_form else ()) + (
                ("delete",) if cls.allow_bulk_delete else ()
            )

    @classmethod
    def get_queryset(cls):
        return (cls.queryset if cls.queryset is not None else cls.model.objects).all()

    # -- service hooks -----------------------------------------------------------------------
    @classmethod
    def initial_for_create(cls, request) -> dict:
        user = request.user
        initial = {"owner": user.pk}
        if user.team_ids:
            initial["team"] = min(user.team_ids)
        return initial

    @classmethod
    def save(cls, *, form, user, created: bool):
        return form.save()

    @classmethod
    def delete(cls, *, obj, user) -> None:
        obj.delete()

    @classmethod
    def bulk_update(cls, *, obj, changes: dict, user) -> None:
        for field, value in changes.items():
            setattr(obj, field, value)
        obj.save(update_fields=[*changes, "updated_at"] if hasattr(obj, "updated_at") else None)

    # -- detail page -------------------------------------------------------------------------
    @classmethod
    def detail_rows(cls, obj) -> list[tuple[str, object]]:
        rows = []
        for name in cls.detail_fields:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            value = display() if display else getattr(obj, name)
            rows.append((field.verbose_name, value))
        return rows

    @classmethod
    def detail_context(cls, request, obj) -> dict:
        return {}

    # -- URLs --------------------------------------------------------------------------------
    @classmethod
    def view(cls, base):
        return type(f"{cls.__name__}{base.__name__}", (base,), {"views": cls}).as_view()

    @classmethod
    def urls(cls):
        n = cls.name
        patterns = [
            path("", cls.view(ObjectListView), name=f"{n}_list"),
            path("add/", cls.view(ObjectEditView), name=f"{n}_add"),
            path("<int:pk>/", cls.view(ObjectDetailView), name=f"{n}_detail"),
            path("<int:pk>/edit/", cls.view(ObjectEditView), name=f"{n}_edit"),
            path("<int:pk>/delete/", cls.view(ObjectDeleteView), name=f"{n}_delete"),
        ]
        if cls.allow_bulk_delete:
            patterns.append(path("bulk/delete/", cls.view(BulkDeleteView), name=f"{n}_bulk_delete"))
        if cls.bulk_edit_form:
            patterns.append(path("bulk/edit/", cls.view(BulkEditView), name=f"{n}_bulk_edit"))
        return patterns
