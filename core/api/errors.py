"""API errors are JSON with a 4xx status; Django's own exceptions are translated too."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
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
