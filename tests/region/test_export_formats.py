"""The full attendance export comes out of PostgreSQL's COPY as CSV: the database must
format every field exactly as the Python path does (SQLite, and the XLSX rows)."""

import csv
import io
import os
from datetime import date

import pytest
from conftest import make_user
from test_reports import YEAR, data  # noqa: F401 - the fixture, shared with the overviews

from leerhuis.extensions import db
from leerhuis.models import Registration, RegistrationStatus
from leerhuis.services import reports, spreadsheets

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="COPY is PostgreSQL's (make test starts one)")


def test_postgresql_formats_the_export_exactly_as_python_does(app, region, data):  # noqa: F811
    course, tour = data
    # The hard cases: a delimiter and quotes in a name, no organisation, an anonymised person.
    awkward = make_user(region, "awkward@example.org", first_name='Anne "AJ"',
                        last_name="de Wit; van Dam", organisation=None)
    # And text a spreadsheet would read as a formula.
    formula = make_user(region, "formula@example.org", first_name="=cmd|' /C calc'!A0",
                        last_name="", organisation=None)
    tabbed = make_user(region, "tabbed@example.org", first_name="\t=1+1", last_name="Jansen",
                       organisation=None)
    db.session.add_all([
        Registration(event_id=course.id, user_id=awkward.id, status=RegistrationStatus.CONFIRMED,
                     function="gezinsvoogd; GI", municipality_name=""),
        Registration(event_id=course.id, user_id=formula.id, status=RegistrationStatus.CONFIRMED,
                     function="@SUM(A1:A9)", municipality_name="+31 6 1234"),
        Registration(event_id=tour.id, user_id=tabbed.id, status=RegistrationStatus.CONFIRMED),
        Registration(event_id=tour.id, user_id=None, status=RegistrationStatus.CONFIRMED),
        Registration(event_id=tour.id, user_id=awkward.id, status=RegistrationStatus.WAITLISTED)])
    db.session.commit()
    period = reports.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    with app.test_request_context():
        in_python = [list(row) for row in reports.export_rows(region.id, period, in_sql=False)]
        in_sql = [list(row) for row in reports.export_rows(region.id, period, in_sql=True)]
        body = b"".join(part if isinstance(part, bytes) else part.encode()
                        for part in reports.stream_csv(region.id, period))
    copied = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert copied[0] == reports.EXPORT_HEADER
    assert len(in_python) == 3 * 2 + 2 * 1 + 2 * 2 + 1 + 1
    assert in_sql == in_python  # the XLSX rows: text as typed
    assert copied[1:] == [[spreadsheets.csv_cell(value) for value in row] for row in in_python]
    assert any(row[5] == "'=cmd|' /C calc'!A0" and row[6] == "'@SUM(A1:A9)"
               and row[8] == "'+31 6 1234" for row in copied)
    assert any(row[5] == "'\t=1+1 Jansen" for row in copied)
    assert any(row[5] == "(geanonimiseerd)" and row[-1] == "niet geregistreerd"
               for row in copied)
    assert any(row[5] == 'Anne "AJ" de Wit; van Dam' and row[4] == "" for row in copied)
