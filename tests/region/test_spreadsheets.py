"""Spreadsheet downloads: text stays text, and making a workbook stays light."""

import csv
import io
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from flask_babel import LazyString
from openpyxl import load_workbook

from leerhuis.services import spreadsheets


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+31 6 1234", "'+31 6 1234"), ("-Huizen", "'-Huizen"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tverborgen", "'\tverborgen"), ("\rregel", "'\rregel"),
    ("Jan = Piet", "Jan = Piet"), ("'s-Graveland", "'s-Graveland"), ("", ""), (None, None),
    (-3, -3), (2.5, 2.5),
])
def test_a_csv_cell_that_a_spreadsheet_would_read_as_a_formula_gets_an_apostrophe(value, cell):
    assert spreadsheets.csv_cell(value) == cell


def test_a_workbook_is_made_without_loading_numpy():
    """openpyxl loads numpy (30 MB) whenever it is installed, and the worker that made one
    workbook kept it for good; XlsxWriter does not (numpy is installed, for deduce)."""
    script = ("import sys\n"
              "from leerhuis.services import spreadsheets\n"
              "content = spreadsheets.xlsx([('Blad', ['naam'], [['Jan'], [1]])])\n"
              "assert content.startswith(b'PK')\n"
              "import numpy\n"  # installed: so not loading it was a choice
              "print(sorted(name for name in sys.modules if name.startswith('numpy'))[:1])\n")
    without = script.replace("import numpy\n", "")
    for code, expected in ((without, "[]"), (script, "['numpy']")):
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                text=True, check=False, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    "first", [*spreadsheets.FORMULA_START, "a", "'", " ", "\n", "\u00a0", "＝"]
)
def test_the_pattern_postgresql_escapes_by_is_the_one_csv_cell_escapes_by(first):
    value = first + "SUM(A1)"
    assert bool(re.match(spreadsheets.FORMULA_START_PATTERN, value)) is (
        spreadsheets.csv_cell(value) != value)


@pytest.mark.parametrize(("lineterminator", "written"), [
    ("\r\n", '"coördinator\r=cmd";\'=1\r\n'), ("\n", '"coördinator\r=cmd";"\'=1"\n')])
def test_a_carriage_return_inside_a_cell_is_always_quoted(lineterminator, written):
    """A spreadsheet program starts a new row at a lone carriage return too: unquoted, the
    text after it would be a cell of its own, without its apostrophe."""
    out = io.StringIO()
    spreadsheets.csv_writer(out, lineterminator=lineterminator).writerow(
        ["coördinator\r=cmd", "=1"])
    assert out.getvalue() == written
    assert next(csv.reader(io.StringIO(written), delimiter=";")) == ["coördinator\r=cmd", "'=1"]


def test_a_lazy_translation_is_text_in_both_formats():
    lazy = LazyString(lambda: "=1+1")
    assert spreadsheets.csv_cell(lazy) == "'=1+1"
    book = load_workbook(io.BytesIO(spreadsheets.xlsx([("Blad", ["kop"], [[lazy, 2]])])))
    assert [(cell.value, cell.data_type) for cell in book.active[2]] == [("=1+1", "s"), (2, "n")]


def test_sheet_names_are_made_acceptable_and_unique():
    sheets = [(title, ["kop"], []) for title in ("Per gemeente: 2026/1", "per GEMEENTE- 2026-1",
                                                 "'" + "x" * 40, "[]")]
    names = load_workbook(io.BytesIO(spreadsheets.xlsx(sheets))).sheetnames
    assert names == ["Per gemeente- 2026-1", "per GEMEENTE- 2026-1 2", "x" * 31, "--"]
