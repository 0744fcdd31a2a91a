"""Spreadsheet downloads (XLSX and CSV) of what people typed into the portal.

XLSX is written with XlsxWriter: it streams a large sheet's rows to a temporary file
(constant memory), and unlike openpyxl it does not load numpy (30 MB in every worker that
ever made a workbook).

Every text stays text. A name, job title or activity typed as "=HYPERLINK(…)" must not
become a formula in the spreadsheet a Region employee opens (CSV or formula injection,
OWASP): XlsxWriter writes strings as strings, and a CSV cell that a spreadsheet program
would read as a formula gets a leading apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO

from sqlalchemy import ColumnElement, case, literal

# The characters with which a spreadsheet program starts reading a CSV cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_PATTERN = "^[=+@\t\r-]"
_TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False,
              "strings_to_numbers": False}

Sheet = tuple[str, Sequence, Iterable[Sequence]]  # title, header, rows


def xlsx(sheets: Iterable[Sheet]) -> bytes:
    """A small workbook, built in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def write_xlsx(target: str | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """A workbook with one sheet per (title, header, rows). Written to a file name, rows
    go to disk as they come; to a buffer, they are kept in memory."""
    import xlsxwriter

    in_memory = not isinstance(target, str)
    options = {**_TEXT_ONLY, "in_memory": in_memory, "constant_memory": not in_memory}
    with xlsxwriter.Workbook(target, options) as workbook:
        for title, header, rows in sheets:
            sheet = workbook.add_worksheet(str(title)[:31])
            sheet.write_row(0, 0, [str(name) for name in header])
            for number, row in enumerate(rows, start=1):
                sheet.write_row(number, 0, row)


def csv_writer(out: IO[str], **options):
    """A CSV writer with the portal's ';' that writes no cell a spreadsheet program would
    read as a formula."""
    return _CsvWriter(csv.writer(out, delimiter=";", **options))


class _CsvWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_cell(value) for value in row])


def csv_cell(value):
    """A value as a CSV cell that no spreadsheet program reads as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell_sql(text: ColumnElement) -> ColumnElement:
    """csv_cell in SQL, for CSV that PostgreSQL writes itself (COPY). A regular expression
    rather than IN: COPY takes plain parameters, and IN's list is expanded at execution."""
    return case((text.regexp_match(_FORMULA_START_PATTERN), literal("'") + text), else_=text)
