"""Table base for every list page (django-tables2)."""

import django_tables2 as tables


class RecordTable(tables.Table):
    """Adds the bulk-selection checkbox; subclasses list their columns in ``Meta.fields``."""

    pk = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"class": "form-check-input", "data-select-all": "", "aria-label": "All"},
            "td__input": {"class": "form-check-input", "form": "bulk-form", "aria-label": "Select"},
        },
        orderable=False,
    )

    class Meta:
        attrs = {"class": "table table-hover table-sm align-middle mb-0"}
        empty_text = "Nothing here yet."
        template_name = "django_tables2/bootstrap5-responsive.html"

    def before_render(self, request):
        if not getattr(self, "bulk_enabled", True):
            self.columns.hide("pk")
