"""Days are formatted once per date, format and language (leerhuis/formatting.py): the same
day must still come out in the language of the request that asks."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from leerhuis.formatting import format_day

AMS = ZoneInfo("Europe/Amsterdam")


def test_a_remembered_day_still_follows_the_language(app):
    day = datetime(2027, 3, 9, 23, 30, tzinfo=AMS)
    with app.test_request_context("/"):
        with force_locale("nl"):
            assert format_day(day) == "dinsdag 9 maart 2027"
        with force_locale("en"):
            assert format_day(day) == "Tuesday, March 9, 2027"
        with force_locale("nl"):
            assert format_day(day, "medium") == "9 mrt 2027"
            assert format_day(day) == "dinsdag 9 maart 2027"
