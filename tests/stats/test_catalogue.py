"""The catalogue is the one declaration of every figure: the rollup columns, the engine's keys, the labels and the
definitions table of docs/statistics.md derive from it."""

import os
import re
from pathlib import Path

import pytest
from django.db import models

from cnum.activities import enums
from cnum.stats import catalogue, engine, indicators, presenter
from cnum.stats.models import StatCell, StatPeople
from cnum.stats.scopes import Scope

DOC = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"
START, END = "<!-- catalogue:start -->\n", "<!-- catalogue:end -->"


def test_docs_definitions_table_is_generated_from_the_catalogue():
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(START)
    _, after = rest.split(END)
    expected = f"{before}{START}{catalogue.definitions_markdown()}{END}{after}"
    if os.environ.get("UPDATE_STATS_DEFINITIONS"):
        DOC.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "docs/statistics.md est périmé : relancer avec UPDATE_STATS_DEFINITIONS=1"


def test_every_entry_has_a_label_a_short_and_a_full_definition():
    for key, entry in catalogue.ENTRIES.items():
        assert entry.label and entry.short and entry.definition, key
        assert entry.short.endswith(".") and entry.definition.endswith("."), key
        assert len(entry.short) <= 110, key  # one line on a tile
        assert "|" not in entry.definition + entry.short + entry.label, key  # the docs table stays a table


def test_breakdown_labels_are_those_of_the_enums():
    by_field = {
        "themes": enums.Theme,
        "demarche_themes": enums.DemarcheTheme,
        "equipment": enums.Equipment,
        "redirection_category": enums.RedirectionCategory,
        "autonomy": enums.Autonomy,
        "place_type": enums.PlaceType,
        "genre": enums.Genre,
        "age_bracket": enums.AgeBracket,
        "social_status": enums.SocialStatus,
    }
    for breakdown in (b for b in catalogue.BREAKDOWNS if not b.table):  # tags: open values, named by the tags
        if breakdown.buckets:
            assert breakdown.values == tuple(name for name, _, _ in enums.DURATION_BUCKETS)
        else:
            assert breakdown.labels == dict(by_field[breakdown.field].choices), breakdown.key


def test_rollup_columns_derive_from_the_catalogue():
    columns = {field.name for field in StatCell._meta.get_fields() if isinstance(field, models.IntegerField)}
    for breakdown in catalogue.COLUMN_BREAKDOWNS:
        for value in breakdown.values:
            assert catalogue.column_name(breakdown.dimension, value) in columns
    assert StatPeople.MEASURES == tuple(distinct.column for distinct in catalogue.DISTINCTS)
    people = {field.name for field in StatPeople._meta.get_fields()}
    assert set(StatPeople.MEASURES) <= people


@pytest.mark.django_db
def test_engine_and_live_summary_give_exactly_the_catalogue_keys():
    figures = engine.figures(Scope.parse("national"))
    assert tuple(key for key in figures if key != "computed") == catalogue.FIGURE_KEYS
    assert tuple(indicators.summary(engine.activities(Scope.parse("national")))) == catalogue.FIGURE_KEYS
    for measure in catalogue.MEASURES:
        assert measure.key in catalogue.FIGURE_KEYS or measure.level == catalogue.Level.REGISTRY


@pytest.mark.django_db
def test_pages_and_exports_label_every_breakdown_from_the_catalogue():
    tables = presenter.build(Scope.parse("national"), None, None).tables()
    titles = [title for title, _, _ in tables]
    for breakdown in catalogue.BREAKDOWNS:  # a table breakdown (tags) only for a reader who has some: test_tags
        assert breakdown.title in titles or breakdown.table
    key_rows = dict((row[0], row[1]) for row in tables[0][2])
    for measure in catalogue.MEASURES:
        assert any(label.startswith(measure.label) for label in key_rows), measure.key
    assert [item["key"] for item in presenter.definitions()] == list(catalogue.ENTRIES)


def test_one_duration_wording_everywhere():
    labels = catalogue.BREAKDOWN["by_duration"].labels
    assert labels["30_60"] == "De 30 min à 1 h"
    for module in ("views", "exports", "engine", "indicators"):
        source = (Path(catalogue.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
        assert not re.search(r"\d+ min à \d+ h", source), module
