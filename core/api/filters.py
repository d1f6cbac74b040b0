import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

_PAGING_PARAMS = (
    "cursor_query_param",
    "page_query_param",
    "page_size_query_param",
    "limit_query_param",
    "offset_query_param",
)


class FilterBackend(DjangoFilterBackend):
    """django-filter, strict about names: a query parameter that is neither a filter, a paging
    parameter nor ``format`` is a 400, so a misspelt filter never quietly returns every row."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        filters = filterset.filters if filterset is not None else {}
        allowed = set()
        for name, filter_ in filters.items():
            allowed.add(name)
            # A range filter reads name_min/name_max (name_after/name_before for dates).
            suffixes = getattr(filter_.field.widget, "suffixes", ())
            allowed.update(f"{name}_{suffix}" for suffix in suffixes if suffix)
        allowed.add(api_settings.URL_FORMAT_OVERRIDE)
        paginator = getattr(view, "paginator", None)
        allowed.update(name for attr in _PAGING_PARAMS if (name := getattr(paginator, attr, None)))
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        errors = _value_errors(request.query_params, filters)
        if errors:
            raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


def _value_errors(params, filters) -> dict:
    """What django-filter would quietly ignore although the schema calls it invalid: a filter
    given twice and a flag that is neither ``true`` nor ``false`` (nor empty: an empty filter
    means "any", as the schema says)."""
    errors = {}
    for name, filter_ in filters.items():
        is_many = getattr(filter_, "field_class", None) in (
            forms.MultipleChoiceField,
            forms.ModelMultipleChoiceField,
        ) or isinstance(filter_, django_filters.MultipleChoiceFilter)
        suffixes = getattr(filter_.field.widget, "suffixes", ())
        for param in [name, *(f"{name}_{suffix}" for suffix in suffixes if suffix)]:
            values = params.getlist(param)
            if not values:
                continue
            if len(values) > 1 and not is_many:
                errors[param] = ["Give this parameter once."]
            elif isinstance(filter_, django_filters.BooleanFilter) and values[0] not in (
                "true",
                "false",
                "",
            ):
                errors[param] = ["Use true or false."]
    return errors
