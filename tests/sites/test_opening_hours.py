import datetime

import opening_hours as osm
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from cnum.sites.opening_hours import (
    InvalidOpeningHours,
    UnsupportedOpeningHours,
    WeeklyHours,
    check,
    day_lines,
    describe,
    display,
    from_cnfs,
    from_france_services,
    parse_weekly,
    to_osm,
    validate_opening_hours,
)

DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")


# --- French rendering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00",
            "du lundi au vendredi 9 h–12 h, 13 h 30–17 h ; samedi 9 h–12 h",
        ),
        ("Mo,We,Fr 10:00-12:00", "lundi, mercredi et vendredi 10 h–12 h"),
        ("Mo,Tu 10:00-12:00; Th-Sa 14:00-15:00", "lundi et mardi 10 h–12 h ; du jeudi au samedi 14 h–15 h"),
        # A later rule replaces the days it names (OSM semantics): Wednesday closed, Tuesday mornings only.
        ("Mo-Fr 09:00-12:00,14:00-17:00; We off", "lundi, mardi, jeudi et vendredi 9 h–12 h, 14 h–17 h"),
        (
            "Mo-Fr 09:00-12:00,14:00-17:00; Tu 09:00-12:00",
            "lundi et du mercredi au vendredi 9 h–12 h, 14 h–17 h ; mardi 9 h–12 h",
        ),
        ("Sa-Mo 10:00-11:00", "lundi, samedi et dimanche 10 h–11 h"),
        ("Mo-Fr 08:30-12:00; PH off", "du lundi au vendredi 8 h 30–12 h ; fermé les jours fériés"),
        ("24/7", "ouvert 24 h sur 24, 7 jours sur 7"),
        ("off", "fermé"),
        ("mo-fr 09:00-18:00", "du lundi au vendredi 9 h–18 h"),
        ("Mo-Fr", "du lundi au vendredi 24 h sur 24"),
        ("Su 10:00-24:00", "dimanche 10 h–24 h"),
    ],
)
def test_opening_hours_read_in_plain_french(value, expected):
    assert describe(value) == expected


def test_day_lines_list_every_day_and_closed_public_holidays():
    assert day_lines("Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00; PH off") == [
        ("lundi", "9 h–12 h, 13 h 30–17 h"),
        ("mardi", "9 h–12 h, 13 h 30–17 h"),
        ("mercredi", "9 h–12 h, 13 h 30–17 h"),
        ("jeudi", "9 h–12 h, 13 h 30–17 h"),
        ("vendredi", "9 h–12 h, 13 h 30–17 h"),
        ("samedi", "9 h–12 h"),
        ("dimanche", "fermé"),
        ("jours fériés", "fermé"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "Jan-Jun Mo 10:00-12:00",
        'Mo-Fr 09:00-12:00 "sur rendez-vous"',
        "Mo-Fr 09:00-12:00 || unknown",
        "PH 10:00-12:00",
    ],
)
def test_valid_hours_beyond_the_subset_are_shown_as_written_not_paraphrased(value):
    with pytest.raises(UnsupportedOpeningHours):
        describe(value)
    shown = display(value)
    assert shown.raw == value and not shown.in_french and shown.lines == ()


def test_display_of_empty_hours_is_nothing():
    assert display("") is None and display("  ") is None


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mo 08:22", "L'heure « 08:22 » est seule"),
        ("Mo-Fr 08:00-13:45-16:30", "enchaîne trois heures"),
        ("Mo-Fr 9h-12h", "pas « 9h »"),
        ("du lundi au vendredi", "syntaxe OpenStreetMap attendue"),
        ("Mo 14:00-14:00", "la plage « 14:00-14:00 » est vide"),
        ("Fr 17:00-12:00", "finit avant de commencer"),
        ("", "Horaires vides"),
    ],
)
def test_invalid_hours_are_refused_with_a_french_reason(value, message):
    with pytest.raises(InvalidOpeningHours, match=message):
        check(value)
    with pytest.raises(ValidationError) as error:
        validate_opening_hours(value)
    assert message in error.value.messages[0]


def test_validation_accepts_valid_osm_syntax_as_stripped_text():
    assert check("  Mo-Fr 09:00-12:00 ; PH off ") == "Mo-Fr 09:00-12:00 ; PH off"
    validate_opening_hours("Jan-Jun Mo 10:00-12:00")


# --- round trip and agreement with the reference implementation ---------------------------------------------

minute_points = st.lists(st.integers(min_value=0, max_value=24 * 4), min_size=0, max_size=6, unique=True)


@st.composite
def weekly_hours(draw):
    days = []
    for _ in range(7):
        points = sorted(point * 15 for point in draw(minute_points))
        if len(points) % 2:
            points = points[:-1]
        days.append(tuple(zip(points[::2], points[1::2], strict=True)))
    return WeeklyHours(days=tuple(days), closed_on_public_holidays=draw(st.booleans()))


@settings(max_examples=200, deadline=None)
@given(weekly_hours())
def test_to_osm_then_parse_gives_the_same_week(hours):
    assert parse_weekly(to_osm(hours)) == hours


def _open_minutes_by_library(expression: str) -> list[set[int]]:
    """Open minutes of each day of a week without public holidays, as opening-hours-py evaluates them."""
    monday = datetime.datetime(2030, 1, 7)
    days = [set() for _ in range(7)]
    for start, end, state, _comment in osm.OpeningHours(expression).intervals(monday, monday + datetime.timedelta(7)):
        if state != osm.State.OPEN:
            continue
        minute = start
        while minute < end:
            offset = minute - monday
            days[offset.days].add(offset.seconds // 60)
            minute += datetime.timedelta(minutes=15)
    return days


def _open_minutes(hours: WeeklyHours) -> list[set[int]]:
    return [{minute for start, end in spans for minute in range(start, end, 15)} for spans in hours.days]


@settings(max_examples=100, deadline=None)
@given(weekly_hours())
def test_our_reading_agrees_with_the_reference_osm_implementation(hours):
    expression = to_osm(hours)
    assert _open_minutes(parse_weekly(expression)) == _open_minutes_by_library(expression)


@pytest.mark.parametrize(
    "expression",
    ["Mo-Fr 09:00-12:00,14:00-17:00; We off", "Mo-Fr 09:00-12:00,14:00-17:00; Tu 09:00-12:00", "Sa-Mo 10:00-11:00"],
)
def test_override_rules_are_read_as_the_reference_implementation_reads_them(expression):
    assert _open_minutes(parse_weekly(expression)) == _open_minutes_by_library(expression)


# --- converters ---------------------------------------------------------------------------------------------


def test_france_services_day_columns_become_osm_hours():
    columns = {
        "h_lundi": "09:00 - 12:00 / 13:30 - 17:00",
        "h_mardi": "09:00-12:00/13:30-17:00",
        "h_mercredi": "09:00 - 12:00",
        "h_jeudi": "09:00 - 12:00 / 13:30 - 17:00",
        "h_vendredi": "09:00 - 12:00 / 13:30 - 16:00",
        "h_samedi": "-",
    }
    assert from_france_services(columns, DAY_COLUMNS) == (
        "Mo,Tu,Th 09:00-12:00,13:30-17:00; We 09:00-12:00; Fr 09:00-12:00,13:30-16:00"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("08:30-12:00 14:00-17:00", "Mo 08:30-12:00,14:00-17:00"),
        ("09 :00-12:00/14:00-17:00", "Mo 09:00-12:00,14:00-17:00"),
        ("10:00-12h00", "Mo 10:00-12:00"),
        ("00:00 - 00:00 / 13:30 - 17:00", "Mo 13:30-17:00"),
        ("09:00-12:00/\n\n 14:00-17:00", "Mo 09:00-12:00,14:00-17:00"),
    ],
)
def test_france_services_columns_are_read_liberally(value, expected):
    assert from_france_services({"h_lundi": value}, DAY_COLUMNS) == expected


@pytest.mark.parametrize("value", ["09:00-12:00-14:00-17:00", "99:99:99:99", "07:30:12:30", "sur rendez-vous"])
def test_france_services_columns_that_cannot_be_read_are_refused_naming_the_day(value):
    with pytest.raises(InvalidOpeningHours, match="Horaires du mardi"):
        from_france_services({"h_mardi": value}, DAY_COLUMNS)


def test_france_services_without_any_hours_means_unknown_not_closed():
    assert from_france_services({"h_lundi": "", "h_samedi": "-"}, DAY_COLUMNS) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("Mo-Fr 09:00-12:00,14:00-17:00", "Mo-Fr 09:00-12:00,14:00-17:00"),
        ("Mo-Fr 9h-12h30,13h30-17h", "Mo-Fr 09:00-12:30,13:30-17:00"),
        (
            "Mo-Th 10h00-12h30,13h30-17h00; Fr 09h30-12h30; We off",
            "Mo-Th 10:00-12:30,13:30-17:00; Fr 09:30-12:30; We off",
        ),
    ],
)
def test_cnfs_hours_are_kept_or_rewritten_from_h_notation(value, expected):
    assert from_cnfs(value) == expected


@pytest.mark.parametrize(
    "value", ["Mo 08:22", "Tu 08:00-13:45-16:30", "Mo 09:00-12:00,14:00-14:00", "sur rendez-vous"]
)
def test_cnfs_hours_that_are_not_osm_are_refused_not_guessed(value):
    with pytest.raises(InvalidOpeningHours):
        from_cnfs(value)
