import binascii
from base64 import b64decode
from urllib import parse

from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: constant time at any depth and no COUNT(*) over a million rows.

    Cursors are opaque to clients but not trusted: anything this class did not write
    (bad base64, unknown keys, an offset past the cutoff, a position that is not a value of the
    ordering column) answers 404 "Invalid cursor" instead of reaching the database.
    """

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """``page_size`` is a whole number from 1 (above ``max_page_size`` it is cut down);
        anything else is a 400, not quietly the default page."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise APIValidationError({self.page_size_query_param: ["A whole number from 1."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}; above {self.max_page_size}, "
                    f"{self.max_page_size})."
                )
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True)
            if set(tokens) - {"o", "r", "p"} or any(len(v) != 1 for v in tokens.values()):
                raise ValueError("unknown or repeated cursor keys")
            offset = int(tokens.get("o", ["0"])[0])
            if not 0 <= offset <= self.offset_cutoff:
                raise ValueError("offset out of range")
            reverse = tokens.get("r", ["0"])[0]
            if reverse not in ("0", "1"):
                raise ValueError("bad direction")
            position = tokens.get("p", [None])[0]
            if position is not None:
                self._check_position(position)
        except (TypeError, ValueError, UnicodeError, binascii.Error, ValidationError):
            raise NotFound(self.invalid_cursor_message) from None
        return pagination.Cursor(offset=offset, reverse=reverse == "1", position=position)

    def _check_position(self, position: str) -> None:
        """The position must be a value of the first ordering column (the pk by default)."""
        name = self.ordering[0].lstrip("-")
        meta = self._model._meta
        field = meta.pk if name == "pk" else meta.get_field(name)
        if "\x00" in position:
            raise ValueError("NUL in position")
        value = field.to_python(position)
        bounds = connection.ops.integer_field_ranges.get(field.get_internal_type())
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise ValueError("position out of range")
