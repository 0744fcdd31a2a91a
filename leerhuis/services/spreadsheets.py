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
import os
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy.orm import QueryableAttribute

# The characters with which a spreadsheet program starts reading a CSV cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The same as a regular expression, for PostgreSQL and Python alike ('-' last in the class).
FORMULA_START_PATTERN = "^[" + "".join(sorted(FORMULA_START, key=lambda c: c == "-")) + "]"
_TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False,
              "strings_to_numbers": False}
_NUMBERS = (int, float, Decimal)
_AS_IS = {str, bool, *_NUMBERS}  # in a workbook; anything else (a lazy translation) as text
# Excel refuses these in a sheet's name, and a name of over 31 characters.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")

Sheet = tuple[str, Sequence, Iterable[Sequence]]  # title, header, rows


def xlsx(sheets: Iterable[Sheet]) -> bytes:
    """A small workbook, built in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def write_xlsx(target: str | os.PathLike | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """A workbook with one sheet per (title, header, rows). Written to a file, rows go to
    disk as they come; to a buffer, they are kept in memory. A value that is not a number
    is written as its text."""
    import xlsxwriter  # noqa: PLC0415 - XlsxWriter (50 ms) only in a worker that writes a download

    in_memory = not isinstance(target, (str, os.PathLike))
    file = os.fspath(target) if isinstance(target, (str, os.PathLike)) else target
    options = {**_TEXT_ONLY, "in_memory": in_memory, "constant_memory": not in_memory}
    with xlsxwriter.Workbook(file, options) as book:
        titles: set[str] = set()
        for title, header, rows in sheets:
            sheet = book.add_worksheet(_sheet_name(str(title), titles))
            sheet.write_row(0, 0, [str(name) for name in header])
            for number, row in enumerate(rows, start=1):
                sheet.write_row(number, 0, [value if value is None or type(value) in _AS_IS
                                            else str(value) for value in row])


def _sheet_name(title: str, taken: set[str]) -> str:
    """A name Excel accepts, different from the sheets before it (Excel compares names
    without case)."""
    base = _NOT_IN_SHEET_NAMES.sub("-", title).strip("'")[:31] or "Blad"
    name, number = base, 1
    while name.lower() in taken:
        number += 1
        name = f"{base[:31 - len(str(number)) - 1]} {number}"
    taken.add(name.lower())
    return name


def csv_writer(out: IO[str], *, lineterminator: str = "\r\n"):
    """A CSV writer with the portal's ';' that writes no cell a spreadsheet program would
    read as a formula. Python's csv module quotes a line break only if it is part of its
    own line terminator, and spreadsheet programs start a new row at a lone carriage return
    as well, whose next cell no apostrophe would guard: with "\\n" rows, every cell is
    quoted."""
    return _CsvWriter(csv.writer(
        out, delimiter=";", lineterminator=lineterminator,
        quoting=csv.QUOTE_MINIMAL if lineterminator == "\r\n" else csv.QUOTE_ALL))


class _CsvWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_cell(value) for value in row])


def csv_cell(value):
    """A value as a CSV cell that no spreadsheet program reads as a formula: a number as it
    is, anything else as text (a lazy translation too)."""
    if value is None or isinstance(value, _NUMBERS):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell_sql(text: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[Any]:
    """csv_cell in SQL, for CSV that PostgreSQL writes itself (COPY). A regular expression
    rather than IN: COPY takes plain parameters, and IN's list is expanded at execution."""
    return case((text.regexp_match(FORMULA_START_PATTERN), literal("'") + text), else_=text)
