"""API errors are JSON with a 4xx status; Django's own exceptions are translated too."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {"detail": "This change conflicts with existing data (a unique or related record)."}
        )
    elif isinstance(exc, (ValueError, OverflowError, DataError)):
        exc = exceptions.ValidationError({"detail": "Malformed value in the request."})
    return drf_exception_handler(exc, context)


@csrf_exempt
def not_found(request, path=""):
    """Any other URL under /api/: the JSON 404, with DEBUG on too (Django would answer its HTML
    debug page). A URL missing only its trailing slash is redirected as ``APPEND_SLASH`` does
    (this catch-all would otherwise hide the slashed URL from ``CommonMiddleware``)."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": str(_("Not found."))}, status=404)
