"""Open now, and when a site opens or closes next, in French, with the French public holidays."""

import datetime
import zoneinfo

import pytest

from cnum.sites.opening_now import status

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"


def at(*moment, zone=PARIS):
    return datetime.datetime(*moment, tzinfo=zone)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2025, 7, 15, 10, 0), "Ouvert maintenant, ferme à 12 h"),
        (at(2025, 7, 15, 12, 30), "Fermé, ouvre à 13 h 30"),
        (at(2025, 7, 15, 18, 0), "Fermé, ouvre demain à 9 h"),
        (at(2025, 7, 12, 13, 0), "Fermé, ouvre mardi à 9 h"),  # Saturday afternoon; Monday the 14th is Bastille Day
        (at(2025, 7, 14, 10, 0), "Fermé, ouvre demain à 9 h"),
        (at(2025, 12, 24, 18, 0), "Fermé, ouvre vendredi à 9 h"),  # Christmas is closed
        (at(2025, 7, 15, 8, 30, zone=datetime.UTC), "Ouvert maintenant, ferme à 12 h"),  # 10:30 in Paris
    ],
)
def test_status_in_french(moment, expected):
    assert status(HOURS, moment).text == expected


def test_hours_that_name_public_holidays_are_read_as_written():
    assert status("Mo-Fr 09:00-12:00; PH 10:00-11:00", at(2025, 7, 14, 10, 30)).is_open
    assert status("24/7; PH open", at(2025, 7, 14, 3, 0)).is_open


def test_far_openings_give_the_date():
    assert status("Jan 05 09:00-12:00", at(2025, 12, 20, 10, 0)).text == "Fermé, ouvre le 5 janvier à 9 h"


def test_overseas_sites_use_their_time_zone():
    # 10:00 in Paris is 04:00 in Guadeloupe.
    assert not status(HOURS, at(2025, 7, 15, 10, 0), "971").is_open
    assert status(HOURS, at(2025, 7, 15, 16, 0), "971").is_open


@pytest.mark.parametrize("value", ["", "   ", "n'importe quoi"])
def test_no_status_without_readable_hours(value):
    assert status(value, at(2025, 7, 15, 10, 0)) is None
