"""The OpenAPI schema documents every status an operation answers, not only its success.

drf-spectacular describes the 2xx body; the errors come from layers every view shares
(authentication, ``core.api.permissions``, the throttles, the strict filter backend, the
exception handler in ``core.api.errors``), so they are added here once, for every operation:

* 400 ``ValidationError``: a field name (or ``detail`` / ``non_field_errors``) to its messages;
* 401, 403, 404, 409, 415, 429 ``Error``: ``{"detail": "..."}``; 429 also sends ``Retry-After``.

A view that answers 409 names the actions in ``conflict_actions``; an ``@extend_schema``
response declared without a body (``{409: None}``) gets the error body too.
"""

from django.core import validators
from django.forms import DecimalField, FloatField, IntegerField
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

ERROR = {
    "type": "object",
    "description": "An error about the whole request.",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for people."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "What is wrong with the request: each field name (``non_field_errors`` or ``detail`` "
        "for the request as a whole) maps to its messages; a nested object or list of objects "
        "maps to the same shape for its own fields."
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
    "minProperties": 1,
}

DESCRIPTIONS = {
    "400": _("The request is malformed or its data is invalid (nothing was changed)."),
    "401": _("No valid credentials: send `Authorization: Token <key>`."),
    "403": _("Not allowed: no role, the role may not do this, or the account is locked."),
    "404": _("No such record, or one you may not see (also: an invalid cursor or page)."),
    "409": _("The record changed meanwhile or is in a state that refuses this change."),
    "415": _("The body is not JSON (or form data)."),
    "429": _("Too many requests: wait the seconds in `Retry-After`."),
}


_LIMITS = (
    (validators.MinValueValidator, "minimum"),
    (validators.MaxValueValidator, "maximum"),
    (validators.MinLengthValidator, "minLength"),
    (validators.MaxLengthValidator, "maxLength"),
)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
            schema = self._decimal(field, schema, direction)
        return schema

    @staticmethod
    def _decimal(field, schema, direction):
        """A decimal is a string of digits (drf-spectacular's pattern also allows "" and "-");
        a request may send a whole number too (``core.api.serializers.StrictTypes``)."""
        whole, places = field.max_whole_digits, field.decimal_places
        if whole is not None:
            digits = "0" if whole == 0 else rf"\d{{1,{whole}}}"
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            schema["pattern"] = rf"^{sign}(?:{digits}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        if direction != "request":
            return schema
        integer = {"type": "integer"}
        if field.min_value is not None:
            integer["minimum"] = int(-(-field.min_value // 1))
        if field.max_value is not None:
            integer["maximum"] = int(field.max_value // 1)
        if whole is not None:
            integer.setdefault("minimum", -(10**whole) + 1)
            integer.setdefault("maximum", 10**whole - 1)
        text = {k: v for k, v in schema.items() if k not in ("description", "title", "nullable")}
        meta = {k: v for k, v in schema.items() if k in ("description", "title", "nullable")}
        return {"anyOf": [text, integer], **meta}

    def _get_filter_parameters(self):
        """Each filter's limits (an id from 1, a text's length) as the form field checks them."""
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None:
            return parameters
        queryset = self.view.get_queryset().none() if hasattr(self.view, "get_queryset") else None
        filters = {}
        for name, filter_ in filterset_class(queryset=queryset).filters.items():
            filters[name] = filter_
            for suffix in getattr(filter_.field.widget, "suffixes", ()):  # a range's two ends
                filters[f"{name}_{suffix}"] = filter_
        for parameter in parameters:
            filter_ = filters.get(parameter["name"])
            if filter_ is None:
                continue
            limits = parameter["schema"]
            is_whole = issubclass(filter_.field_class, IntegerField) and not issubclass(
                filter_.field_class, (DecimalField, FloatField)
            )
            if limits.get("type") == "number" and is_whole:
                limits["type"] = "integer"  # an id filter: 1.5 is refused
            checked = {}
            for validator in filter_.field.validators:
                for validator_class, keyword in _LIMITS:
                    if isinstance(validator, validator_class):
                        strictest = max if keyword.startswith("min") else min
                        value = validator.limit_value
                        checked[keyword] = strictest(checked.get(keyword, value), value)
            for _validator_class, keyword in _LIMITS:  # only the limits the filter checks
                limits.pop(keyword, None)
            limits.update(checked)
            kept = {"type", "description", "maxLength"}
            if parameter["schema"].get("type") != "string" or set(parameter["schema"]) - kept:
                # An empty value means "any" (as a web form sends it), whatever the type.
                parameter["schema"] = {"anyOf": [parameter["schema"], {"enum": [""]}]}
                parameter["description"] = (
                    f"{parameter.get('description', '')} (empty: any)".strip()
                )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses or "content" not in responses[code]:
                responses[code] = self._error_response(code)
            elif code == "400":
                # A declared 400 body (e.g. a refused configuration) or, from the shared layers
                # (parsing, the query string), the validation error.
                invalid = self._error_response(code)["content"]["application/json"]["schema"]
                for media in responses[code]["content"].values():
                    media["schema"] = {"anyOf": [media["schema"], invalid]}
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        has_path_params = "{" in self.path
        is_list = getattr(self.view, "action", None) == "list"
        if (
            has_path_params
            or is_list
            or self.method != "GET"
            or getattr(self.view, "filter_backends", ())
        ):
            codes.append("400")
        if has_path_params or is_list:
            codes.append("404")
        if getattr(self.view, "action", None) in getattr(self.view, "conflict_actions", ()):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        return sorted(codes)

    def _error_response(self, code: str) -> dict:
        name, schema = ("ValidationError", VALIDATION_ERROR) if code == "400" else ("Error", ERROR)
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        response = {
            "description": str(DESCRIPTIONS[code]),
            "content": {"application/json": {"schema": component.ref}},
        }
        if code == "429":
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before the next request.",
                }
            }
        return response
