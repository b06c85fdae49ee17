"""The national-scale demo (cnum.demo.national) at a few hundred activities: the registry's shape, every activity
held to the national rules, each person's first accompaniment flagged, and rollups equal to the live figures."""

from collections import defaultdict

from django.core.management import call_command
from django.db import connection

from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.activities.validation import validate_activity
from cnum.advisors.models import Advisor, Contract
from cnum.sites.models import Site
from cnum.stats import engine, indicators
from cnum.stats.scopes import Scope, activities
from cnum.structures.models import Structure
from tests.territories.factories import CommuneFactory

VALIDATED_FIELDS = (
    "type date duration_minutes place_type themes demarche_themes equipment autonomy level title "
    "redirection_category redirection_other anonymous_participants anonymous_first_time anonymous_progressed "
    "anonymous_asked anonymous_breakdown"
).split()


def test_national_demo(cog, capsys):
    """One generation (a few seconds), every check on it."""
    # Rows written earlier in the transaction, as the territories by `demo` on an empty database.
    CommuneFactory(code="99999", name="Commune d’essai")
    call_command("demo", "--scale", "national", "--activities", "400", "--seed", "7")
    registry_has_the_programme_shape(capsys.readouterr().out)
    every_activity_follows_the_national_rules()
    each_person_has_one_first_accompaniment_their_earliest()
    for code in ("national", "departement:75"):
        rollups_equal_the_live_figures(code)
    foreign_keys_are_back()


def registry_has_the_programme_shape(national: str):
    structures = Structure.objects.filter(source="demo-national")
    assert structures.count() == 2_900
    public = sum(1 for s in structures if s.is_public) / 2_900
    assert 0.55 < public < 0.65
    assert structures.filter(commune__isnull=True).count() == 0
    assert 3_800 < Advisor.objects.count() < 4_200
    assert Site.objects.filter(commune__isnull=False, structure__isnull=False).count() == 5_000
    assert "Démonstration nationale prête" in national


def every_activity_follows_the_national_rules():
    rows = list(Activity.objects.all())
    assert 300 < len(rows) < 500
    followed = defaultdict(int)
    for activity_id in Accompaniment.objects.values_list("activity_id", flat=True):
        followed[activity_id] += 1
    for activity in rows:
        data = {name: getattr(activity, name) for name in VALIDATED_FIELDS}
        data.update(site=activity.site_id, commune=activity.commune_id, followed_participants=followed[activity.pk])
        assert validate_activity(data) == {}, activity.pk
        if activity.type == "individuel":
            assert followed[activity.pk] == 1


def each_person_has_one_first_accompaniment_their_earliest():
    history = defaultdict(list)
    rows = Accompaniment.objects.values_list("beneficiary_id", "activity__date", "activity_id", "is_first")
    for person, day, activity, first in rows:
        history[person].append((day, activity, first))
    assert history
    for visits in history.values():
        visits.sort()
        assert [first for _, _, first in visits] == [True] + [False] * (len(visits) - 1)


def rollups_equal_the_live_figures(code: str):
    scope = Scope.parse(code)
    figures = engine.figures(scope)
    assert figures.pop("computed") == {"figures": "rollups", "people": "rollups"}
    assert figures == indicators.summary(activities(scope))


def foreign_keys_are_back():
    """PostgreSQL's load drops the foreign keys of the tables it fills and adds them back (checking every row)."""
    for model in (Activity, Accompaniment, Beneficiary, Contract, Site):
        expected = {field.column for field in model._meta.concrete_fields if field.many_to_one and field.db_constraint}
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        present = {column for c in constraints.values() if c["foreign_key"] for column in c["columns"]}
        assert expected and expected <= present, model
