"""CSV export of any filtered list: streamed, permission-aware (callers pass a visible_to
queryset) and formula-safe."""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Make a cell inert for spreadsheets: text starting with = + - @ (or tab/CR) gets a
    leading apostrophe, so Excel/LibreOffice show it instead of evaluating it."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def field_label(model: type[Model], path: str) -> str:
    """'owner__username' on Account -> 'Owner username'; plain fields -> their verbose name."""
    parts = path.split(LOOKUP_SEP)
    labels = []
    current = model
    for part in parts:
        field = current._meta.get_field(part)
        labels.append(str(field.verbose_name))
        if field.is_relation:
            current = field.related_model
    return capfirst(" ".join(labels))


class _Echo:
    def write(self, value):
        return value


def csv_rows(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel opens UTF-8 correctly
    yield writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def stream_csv(queryset, fields: Sequence[str], filename: str) -> StreamingHttpResponse:
    header = [field_label(queryset.model, f) for f in fields]
    rows = queryset.values_list(*fields).iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
