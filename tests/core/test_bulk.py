"""The raw bulk writer (cnum.core.bulk) the importers and the national generator share."""

import datetime

import pytest

from cnum.activities.models import Activity
from cnum.core.bulk import RowPlan, reserve_ids, write_rows
from tests.activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_new_even_after_the_last_row_was_deleted():
    kept, last = ActivityFactory(), ActivityFactory()
    last_id = last.pk
    last.delete()
    ids = reserve_ids(Activity, 3)
    assert len(set(ids)) == 3 and min(ids) > last_id > kept.pk
    assert reserve_ids(Activity, 0) == []


def test_rows_written_raw_read_back_as_the_orm_writes_them():
    model = ActivityFactory()
    plan = RowPlan(Activity)
    ids = reserve_ids(Activity, 2)
    values = {
        "type": "individuel",
        "date": datetime.date(2025, 3, 4),
        "duration_minutes": 30,
        "place_type": "a_distance",
        "advisor_id": model.advisor_id,
        "structure_id": model.structure_id,
        "source": "test",
    }
    rows = [
        plan.row({**values, "id": ids[0], "themes": ["email"], "equipment": [1], "source_id": "a"}),
        plan.row({**values, "id": ids[1], "themes": ["email"], "equipment": [True], "source_id": "b"}),
    ]
    write_rows(plan.table, plan.columns, rows)
    first, second = Activity.objects.filter(pk__in=ids).order_by("pk")
    assert (first.date, first.themes, first.equipment, first.anonymous_breakdown) == (
        datetime.date(2025, 3, 4),
        ["email"],
        [1],
        {},
    )
    assert second.equipment == [True]  # the JSON texts kept per list tell [1] and [True] apart
    assert first.created_at is not None and first.title == ""
