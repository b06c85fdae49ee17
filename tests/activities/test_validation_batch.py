"""One rule set, two ways of running it: over a batch (the importers) and on one activity (the form, the API).

The batch path evaluates each rule once per distinct combination of the values it reads; drawn from small pools so
that rows share values, any batch must give each row exactly the messages, in the same order, as the row alone.
"""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cnum.activities.enums import Autonomy, DemarcheTheme, Equipment, Level, RedirectionCategory, Theme
from cnum.activities.validation import validate_activities, validate_activity

TODAY = datetime.date(2026, 6, 1)

rows = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["individuel", "collectif", "", None, "autre"]),
        "date": st.sampled_from(
            [None, "", "2024-02-30", "2019-12-31", "2025-05-01", datetime.date(2026, 7, 1), datetime.date(2024, 1, 1)]
        ),
        "duration_minutes": st.sampled_from([None, 0, 1, 45, "45", 600, 601, True, "x", 1.0]),
        "place_type": st.sampled_from(["lieu_activite", "domicile", "a_distance", "autre", "", "ailleurs"]),
        "site": st.sampled_from([None, 0, 12, 13]),
        "commune": st.sampled_from([None, 5, 6]),
        "themes": st.lists(st.sampled_from([*Theme.values[:3], "inconnue"]), max_size=3),
        "demarche_themes": st.lists(st.sampled_from([*DemarcheTheme.values[:2], "x"]), max_size=2),
        "equipment": st.lists(st.sampled_from([*Equipment.values[:2], "x"]), max_size=2),
        "autonomy": st.sampled_from(["", Autonomy.values[0], "x"]),
        "level": st.sampled_from(["", Level.values[0], "x"]),
        "title": st.sampled_from(["", "  ", "Atelier"]),
        "anonymous_participants": st.sampled_from([None, 0, 1, 5, "3", -1]),
        "anonymous_first_time": st.sampled_from([0, 2, 6]),
        "anonymous_progressed": st.sampled_from([0, 1, 4]),
        "anonymous_asked": st.sampled_from([0, 1, 3, 9]),
        "anonymous_breakdown": st.sampled_from(
            [{}, {"genre": {"feminin": 2}}, {"genre": {"x": 1}}, {"age": {}}, {"tranche_age": {"1": "a"}}, []]
        ),
        "followed_participants": st.sampled_from([0, 1, 2]),
        "redirection_category": st.sampled_from(["", RedirectionCategory.values[0], "x"]),
        "redirection_site": st.sampled_from([None, 3]),
        "redirection_other": st.sampled_from(["", " ", "Mairie"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows, min_size=1, max_size=40))
def test_a_batch_gives_each_row_the_messages_it_gets_alone(batch):
    assert validate_activities(batch, today=TODAY) == [validate_activity(row, today=TODAY) for row in batch]


def test_rows_sharing_values_share_the_evaluation_but_not_the_messages_lists():
    row = {"type": "individuel", "date": "2019-01-01", "duration_minutes": 45, "place_type": "a_distance"}
    too_early = ["La date de l'activité ne peut pas être antérieure au 1er janvier 2020."]
    first, second = validate_activities([row, dict(row, themes=["email"])], today=TODAY)
    assert first["date"] == second["date"] == too_early
    assert "themes" in first and "themes" not in second
    first["date"].append("changed")
    assert second["date"] == too_early


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(rows, min_size=1, max_size=20), min_size=2, max_size=4))
def test_batches_sharing_what_they_met_give_each_row_the_messages_it_gets_alone(batches):
    # An importer keeps the rules' verdicts from batch to batch of its file (`known`).
    known = {}
    for batch in batches:
        alone = [validate_activity(row, today=TODAY) for row in batch]
        assert validate_activities(batch, today=TODAY, known=known) == alone


def test_what_batches_met_is_forgotten_when_the_day_changes():
    known, tomorrow = {}, TODAY + datetime.timedelta(days=1)
    row = {"type": "individuel", "date": tomorrow, "duration_minutes": 45, "place_type": "a_distance"}
    (today,) = validate_activities([row], today=TODAY, known=known)
    assert today["date"] == ["La date de l'activité ne peut pas être dans le futur."]
    (next_day,) = validate_activities([row], today=tomorrow, known=known)
    assert "date" not in next_day
