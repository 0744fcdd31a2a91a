"""Spreadsheet downloads: text stays text, and making a workbook stays light."""

import subprocess
import sys
from pathlib import Path

import pytest

from leerhuis.services import spreadsheets

ROOT = Path(__file__).resolve().parent.parent


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
