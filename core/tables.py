"""Table base for every list page (django-tables2).

django-tables2 gives every list its columns, sortable headers, pagination and empty text.
Its cells are rendered one by one (a render call, attributes and a template node per cell:
~1 ms a row); a list that must stay fast at 100 rows a page names a ``row_template`` that
writes the row's cells in one template, in the order of ``Meta.fields`` — the headers, sorting
and paging stay the library's. ``tests/test_list_rows.py`` checks that such a row has a cell
under every header, with or without the bulk checkbox.
"""

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
    bulk_enabled = True
    row_template: str | None = None  # see the module's docstring

    class Meta:
        attrs = {"class": "table table-hover table-sm align-middle mb-0"}
        empty_text = "Nothing here yet."
        template_name = "generic/table.html"

    def before_render(self, request):
        if not self.bulk_enabled:
            self.columns.hide("pk")
