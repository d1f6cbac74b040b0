"""Reading uploaded files: encoding detection, delimiter sniffing, CSV and Excel rows."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {
    ",": gettext_lazy("commas"),
    ";": gettext_lazy("semicolons"),
    "\t": gettext_lazy("tabs"),
}
LATIN_SINGLE_BYTE = ("cp125", "latin", "iso8859", "mac", "windows125")
# A cell may be as long as the upload itself: the description holds any text, and the fields
# with a length limit say so per row (``conversion``) instead of the csv module refusing the
# whole file at 128 KiB.
MAX_CELL_CHARS = 64 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
# What ``core.export.neutralise`` puts before a cell that a spreadsheet would evaluate.
NEUTRALISED = re.compile(r"^'(?=[=+\-@])")
BOMS = (
    # UTF-32 first: its little-endian BOM starts like UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)


class FileError(ValueError):
    """The file cannot be read at all (not a row problem)."""


def _without_bom(raw: bytes) -> tuple[str, str] | None:
    """(codec, name to store) of a file that starts with a byte order mark, or of a UTF-16 or
    UTF-32 file without one (every second or every fourth byte NUL)."""
    sample = raw[:4000]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    sample = sample[: len(sample) // 4 * 4]
    zero = [sample[i::4].count(0) * 4 / len(sample) for i in range(4)]
    if zero[1] > 0.9 and zero[2] > 0.9 and zero[3] > 0.9:
        return "utf-32-le", "utf-32-le"
    if zero[0] > 0.9 and zero[1] > 0.9 and zero[2] > 0.9:
        return "utf-32-be", "utf-32-be"
    if zero[1] > 0.9 and zero[3] > 0.9:
        return "utf-16-le", "utf-16-le"
    if zero[0] > 0.9 and zero[2] > 0.9:
        return "utf-16-be", "utf-16-be"
    return None


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first (UTF-32, UTF-8, UTF-16), UTF-16/32 without one, then strict
    UTF-8, then charset-normalizer, then cp1252. NUL characters are dropped: no text column
    of PostgreSQL can hold them."""
    text, encoding = _decode(raw)
    return text.replace("\x00", ""), encoding


def _decode(raw: bytes) -> tuple[str, str]:
    for bom, codec, name in BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec), name
            except UnicodeDecodeError as exc:
                raise FileError(
                    _("The file says %(encoding)s but is not: %(error)s")
                    % {"encoding": name.upper(), "error": exc}
                ) from exc
    if wide := _without_bom(raw):
        codec, name = wide
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            pass  # not that after all
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    # Western European single-byte files decode plausibly in several code pages; when the
    # guess is one of them and Windows-1252 reads the bytes, say Windows-1252 (Excel's "CSV"
    # on Windows, the usual case here).
    if encoding.replace("_", "").lower().startswith(LATIN_SINGLE_BYTE):
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(encoding), encoding[:40]
    except (UnicodeDecodeError, LookupError):
        return raw.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter (, ; or tab) that splits the first lines into the same, largest number
    of columns."""
    sample = "\n".join(text.splitlines()[:30])
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def is_xlsx(name: str, raw: bytes) -> bool:
    return raw[:2] == b"PK" or name.lower().endswith((".xlsx", ".xlsm"))


def _cell(value) -> str:
    """An Excel cell as text (dates ISO, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()


def _xlsx_rows(raw: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a damaged file
        raise FileError(_("Not a readable Excel file: %(error)s") % {"error": exc}) from exc
    try:
        if not workbook.worksheets:
            raise FileError(_("The Excel file has no sheet."))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - a damaged sheet inside a readable zip
                raise FileError(_("Not a readable Excel file: %(error)s") % {"error": exc}) from exc
            yield [_cell(v) for v in values]
    finally:
        workbook.close()


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def cell_value(value: str) -> str:
    """A cell as the import reads it: stripped, without the apostrophe our own export put
    before text a spreadsheet would evaluate ('=…, '+…, '-…, '@…)."""
    return NEUTRALISED.sub("", (value or "").strip().replace("\x00", ""))


def read_table(
    raw: bytes, *, file_format: str, encoding: str = "", delimiter: str = ""
) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """(headers, rows) where rows yields (row number in the file, {header: value}).

    Row numbers count the header as row 1, as a spreadsheet shows them. Empty rows are
    skipped (their numbers too)."""
    if file_format == "xlsx":
        source = _xlsx_rows(raw)
    else:
        text, _encoding = decode(raw) if not encoding else (_decode_as(raw, encoding), encoding)
        source = _csv_rows(text, delimiter or sniff_delimiter(text))
    try:
        header_row = next(source)
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise FileError(_("Not a readable CSV file: %(error)s") % {"error": exc}) from exc
    headers = unique_headers(header_row)
    if not any(headers):
        raise FileError(_("The first row holds no column names."))

    def rows():
        number = 1
        try:
            for values in source:
                number += 1
                if not any((v or "").strip() for v in values):
                    continue
                yield (
                    number,
                    {
                        h: (cell_value(values[i]) if i < len(values) else "")
                        for i, h in enumerate(headers)
                        if h
                    },
                )
        except csv.Error as exc:
            # the row being read when the reader gave up is the one after the last it gave
            raise FileError(
                _("Row %(row)s cannot be read: %(error)s") % {"row": number + 1, "error": exc}
            ) from exc

    return headers, rows()


def _decode_as(raw: bytes, encoding: str) -> str:
    """The text of a file whose encoding the upload found (``decode``)."""
    codec = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-32": "utf-32"}.get(
        encoding, encoding
    )
    try:
        text = raw.decode(codec, errors="replace")
    except LookupError:
        text, _encoding = decode(raw)
    return text.replace("\x00", "")


def unique_headers(row: list[str]) -> list[str]:
    """Header names, stripped; a repeated name gets " (2)", " (3)"…"""
    taken: set[str] = set()
    headers = []
    for value in row:
        name = re.sub(r"\s+", " ", (value or "").replace("\x00", "").strip())
        if name:
            base, n = name, 1
            while name in taken:
                n += 1
                name = f"{base} ({n})"
            taken.add(name)
        headers.append(name)
    return headers


def inspect(name: str, raw: bytes) -> dict:
    """What the upload step stores on the job: format, encoding, delimiter, headers, rows."""
    if is_xlsx(name, raw):
        headers, rows = read_table(raw, file_format="xlsx")
        return {
            "file_format": "xlsx",
            "encoding": "",
            "delimiter": "",
            "headers": headers,
            "total_rows": sum(1 for _row in rows),
        }
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    headers, rows = read_table(raw, file_format="csv", encoding=encoding, delimiter=delimiter)
    return {
        "file_format": "csv",
        "encoding": encoding,
        "delimiter": delimiter,
        "headers": headers,
        "total_rows": sum(1 for _row in rows),
    }
