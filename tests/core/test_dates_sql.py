"""Dates cut to their month, quarter or year in SQL (cnum.core.dates_sql)."""

import datetime

import pytest

from cnum.activities.models import Activity
from cnum.core.dates_sql import MonthOf, QuarterOf, YearOf
from tests.activities.factories import ActivityFactory


@pytest.mark.django_db
def test_a_dates_month_quarter_and_year_agree_with_the_calendar():
    """The statistics' rebuild cuts dates to their month, quarter and year in SQL (on SQLite from the stored text,
    not through Django's Python function): every day of a leap year, read back, gives its calendar period's first
    day."""
    first = datetime.date(2024, 1, 1)
    days = [first + datetime.timedelta(days=n) for n in range(366)]
    for day in days:
        ActivityFactory(date=day)
    rows = Activity.objects.annotate(
        month=MonthOf("date"),
        quarter=QuarterOf("date"),
        year=YearOf("date"),
    ).values_list("date", "month", "quarter", "year")
    expected = {
        (
            day,
            day.replace(day=1),
            datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1),
            datetime.date(day.year, 1, 1),
        )
        for day in days
    }
    assert set(rows) == expected
