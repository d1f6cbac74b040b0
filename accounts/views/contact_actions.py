"""What one does to a contact besides editing it: consent changes, further e-mails and phones,
and the privacy requests (export all we hold, erase). Each view gets the contact already
checked as readable (``customers.record_view``) and checks its own action."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from core import access
from core.access import Action

from .. import privacy, services, timeline
from ..forms import ConsentForm, ContactPointForm, is_privacy_officer


@require_POST
def consent_view(request, views, obj):
    access.check(request.user, obj, Action.CHANGE)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a channel, a status and how the customer told us.")
    else:
        try:
            consent = services.consent_set(contact=obj, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Recorded: {consent.get_channel_display()} "
                             f"{consent.get_status_display().lower()}.")  # fmt: skip
    return HttpResponseRedirect(obj.get_absolute_url() + "#consent")


@require_POST
def point_add_view(request, views, obj):
    access.check(request.user, obj, Action.CHANGE)
    form = ContactPointForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"Not added: {errors}")
        return HttpResponseRedirect(obj.get_absolute_url() + "#reach")
    try:
        point = services.contact_point_add(contact=obj, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, f"Not added: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Added {point.get_kind_display().lower()} {point.value}.")
    return HttpResponseRedirect(obj.get_absolute_url() + "#reach")


@require_POST
def point_change_view(request, views, obj, point_pk, action):
    access.check(request.user, obj, Action.CHANGE)
    point = get_object_or_404(obj.points, pk=point_pk)
    if action == "remove":
        services.contact_point_remove(point=point, by=request.user)
        messages.success(request, f"Removed {point.value}.")
    elif action == "primary":
        try:
            services.contact_point_make_primary(point=point, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(obj.get_absolute_url() + "#reach")
        messages.success(
            request, f"{point.get_kind_display()} {point.value} is now the primary one."
        )
    else:
        raise Http404
    return HttpResponseRedirect(obj.get_absolute_url() + "#reach")


def _privacy_check(request, obj):
    access.check(request.user, obj, Action.VIEW)
    if not is_privacy_officer(request.user):
        raise PermissionDenied


def export_view(request, views, obj):
    _privacy_check(request, obj)
    if request.method == "POST" and request.POST.get("confirm"):
        data = privacy.export_json(obj, user=request.user)
        timeline.record(subject=obj, kind=services.CHANGE_KIND, contact=obj,
                        actor=request.user, title="Personal data exported")  # fmt: skip
        response = HttpResponse(data, content_type="application/json")
        name = slugify(str(obj)) or "contact"
        response["Content-Disposition"] = f'attachment; filename="contact-{obj.pk}-{name}.json"'
        return response
    return render(request, "accounts/privacy_confirm.html", {"object": obj, "action": "export"})


def erase_view(request, views, obj):
    _privacy_check(request, obj)
    if obj.erased_at:
        messages.info(request, "This contact's personal data has already been erased.")
        return HttpResponseRedirect(obj.get_absolute_url())
    if request.method == "POST" and request.POST.get("confirm"):
        privacy.erase_contact(obj, by=request.user)
        messages.success(request, "Personal data erased. Activities and account links remain.")
        return HttpResponseRedirect(obj.get_absolute_url())
    return render(request, "accounts/privacy_confirm.html", {"object": obj, "action": "erase"})
