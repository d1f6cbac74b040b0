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
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = set(filterset_class.base_filters) if filterset_class else set()
        allowed.add(api_settings.URL_FORMAT_OVERRIDE)
        paginator = getattr(view, "paginator", None)
        allowed.update(name for attr in _PAGING_PARAMS if (name := getattr(paginator, attr, None)))
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        return super().filter_queryset(request, queryset, view)
