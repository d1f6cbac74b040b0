"""Reading uploaded files: encoding detection, delimiter sniffing, CSV and Excel rows."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal

DELIMITERS = (",", ";", "\t")
LATIN_SINGLE_BYTE = ("cp125", "latin", "iso8859", "mac", "windows125")


class FileError(ValueError):
    """The file cannot be read at all (not a row problem)."""


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then charset-normalizer, then cp1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(name), "utf-16"
            except UnicodeDecodeError as exc:
                raise FileError(f"The file says UTF-16 but is not: {exc}") from exc
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
        return raw.decode(encoding), encoding
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
        raise FileError(f"Not a readable Excel file: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        workbook.close()


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_table(
    raw: bytes, *, file_format: str, encoding: str = "", delimiter: str = ""
) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """(headers, rows) where rows yields (row number in the file, {header: value}).

    Row numbers count the header as row 1, as a spreadsheet shows them. Empty rows are
    skipped (their numbers too)."""
    if file_format == "xlsx":
        source = _xlsx_rows(raw)
    else:
        text, _ = decode(raw) if not encoding else (_decode_as(raw, encoding), encoding)
        source = _csv_rows(text, delimiter or sniff_delimiter(text))
    try:
        header_row = next(source)
    except StopIteration:
        raise FileError("The file is empty.") from None
    except csv.Error as exc:
        raise FileError(f"Not a readable CSV file: {exc}") from exc
    headers = unique_headers(header_row)
    if not any(headers):
        raise FileError("The first row holds no column names.")

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
                        h: (values[i].strip() if i < len(values) else "")
                        for i, h in enumerate(headers)
                        if h
                    },
                )
        except csv.Error as exc:
            raise FileError(f"Row {number}: {exc}") from exc

    return headers, rows()


def _decode_as(raw: bytes, encoding: str) -> str:
    if encoding == "utf-8-sig":
        return raw.decode("utf-8-sig")
    if encoding == "utf-16":
        return raw.decode("utf-16")
    return raw.decode(encoding)


def unique_headers(row: list[str]) -> list[str]:
    """Header names, stripped; a repeated name gets " (2)", " (3)"…"""
    seen: dict[str, int] = {}
    headers = []
    for value in row:
        name = re.sub(r"\s+", " ", (value or "").strip())
        if name:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} ({seen[name]})"
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
            "total_rows": sum(1 for _ in rows),
        }
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    headers, rows = read_table(raw, file_format="csv", encoding=encoding, delimiter=delimiter)
    return {
        "file_format": "csv",
        "encoding": encoding,
        "delimiter": delimiter,
        "headers": headers,
        "total_rows": sum(1 for _ in rows),
    }
