from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: constant time at any depth and no COUNT(*) over a million rows."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
