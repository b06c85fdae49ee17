import csv
import datetime
import io
import json
import random

import pytest
from django.core.management import CommandError, call_command

from cnum.activities.enums import ActivityType, Progress, Theme
from cnum.activities.models import Beneficiary
from cnum.activities.services import recompute_first_accompaniments
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


def stats(**options) -> dict:
    """`stats --json`, once stats_verify found the rollups the factories kept equal to a recount."""
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("stats", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_json_keys_and_values():
    ActivityFactory(accompaniment__progressed=Progress.YES, themes=[Theme.EMAIL])
    ActivityFactory(collective=True, anonymous_first_time=2, themes=[Theme.EMAIL, Theme.HEALTH])
    figures = stats(scope="national")
    assert figures["scope"] == "national" and figures["from"] is None
    assert (figures["activities"], figures["accompaniments"]) == (2, 6)
    assert (figures["beneficiaries"], figures["new_beneficiaries"]) == (3, 3)
    assert figures["progressed_rate"] == 1.0
    assert figures["by_theme"] == {"email": 2, "sante": 1}
    assert figures["by_month"] == {"2025-03": {"activities": 2, "accompaniments": 6}}
    assert figures["by_departement"] == {"69": {"activities": 2, "accompaniments": 6}}


def test_period_options_and_text_output():
    ActivityFactory(date=datetime.date(2025, 1, 31))
    ActivityFactory(date=datetime.date(2025, 2, 1))
    assert stats(scope="departement:69", since="2025-02-01")["activities"] == 1
    assert stats(scope="departement:69", until="2025-01-31")["activities"] == 1
    out = io.StringIO()
    call_command("stats", "--scope", "region:84", "--from", "2025-01-01", "--to", "2025-12-31", stdout=out)
    text = out.getvalue()
    assert "Région Auvergne-Rhône-Alpes (84), du 01/01/2025 au 31/12/2025" in text
    assert "Activités : 2" in text and "sans objet" in text and "E-mail : 2" in text


def test_errors_are_french():
    with pytest.raises(CommandError, match="Périmètre inconnu"):
        call_command("stats", scope="planete", stdout=io.StringIO())
    with pytest.raises(CommandError, match="introuvable"):
        call_command("stats", scope="advisor:4242", stdout=io.StringIO())
    with pytest.raises(CommandError, match="postérieure"):
        call_command("stats", "--from", "2025-02-01", "--to", "2025-01-01", stdout=io.StringIO())


def generate(seed: int = 7) -> list:
    """A small generated history over 2 régions, 3 départements, 4 structures, followed and anonymous people."""
    rng = random.Random(seed)
    rhone, ain = DepartementFactory(code="69"), DepartementFactory(code="01", name="Ain")
    paca = RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
    bdr = DepartementFactory(code="13", name="Bouches-du-Rhône", region=paca)
    structures = [
        StructureFactory(departement=rhone, identifier="12345678900012"),
        StructureFactory(departement=rhone, type="association"),
        StructureFactory(departement=ain),
        StructureFactory(departement=bdr),
    ]
    advisors = [AdvisorFactory() for _ in range(4)]
    people = {
        advisor.pk: [BeneficiaryFactory(advisor=advisor, followed=True) for _ in range(3)] for advisor in advisors
    }
    for _ in range(40):
        advisor = rng.choice(advisors)
        common = {
            "advisor": advisor,
            "structure": rng.choice(structures),
            "date": datetime.date(2025, rng.randint(1, 6), rng.randint(1, 28)),
            "themes": rng.sample(list(Theme.values), rng.randint(1, 3)),
        }
        if rng.random() < 0.6:
            person = rng.choice(people[advisor.pk] + [None])
            ActivityFactory(
                **common, accompaniment__beneficiary=person, accompaniment__progressed=rng.choice(Progress.values)
            )
        else:
            listed = rng.sample(people[advisor.pk], rng.randint(0, 2))
            anonymous = rng.randint(0 if listed else 1, 6)
            workshop = ActivityFactory(
                **common,
                collective=True,
                anonymous_participants=anonymous,
                anonymous_first_time=rng.randint(0, anonymous),
            )
            for person in listed:
                AccompanimentFactory(activity=workshop, beneficiary=person, progressed=rng.choice(Progress.values))
    recompute_first_accompaniments(Beneficiary.objects.values_list("pk", flat=True))
    return structures


def export(tmp_path, **options) -> list[dict]:
    path = tmp_path / "export.csv"
    call_command("export_activities", format="csv", output=str(path), stdout=io.StringIO(), **options)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def test_done_when_stats_equal_an_independent_recount_from_the_export(tmp_path):
    structures = generate()
    scopes = [
        ("national", {}),
        ("region:84", {"region": "84"}),
        ("region:93", {"region": "93"}),
        ("departement:69", {"departement": "69"}),
        ("departement:01", {"departement": "01"}),
        (f"structure:{structures[0].identifier}", {"structure": structures[0].pk}),
        (f"structure:{structures[2].pk}", {"structure": structures[2].pk}),
    ]
    for scope, export_options in scopes:
        figures = stats(scope=scope)
        rows = export(tmp_path, **export_options)
        months = {}
        for row in rows:
            months.setdefault(row["date"][:7], set()).add(row["activite"])
        assert figures["activities"] == len({row["activite"] for row in rows}), scope
        assert figures["accompaniments"] == sum(int(row["nombre_personnes"]) for row in rows), scope
        assert figures["new_beneficiaries"] == sum(int(row["dont_premier_accompagnement"]) for row in rows), scope
        assert {month: c["activities"] for month, c in figures["by_month"].items()} == {
            month: len(ids) for month, ids in months.items()
        }, scope
        individual = {row["activite"] for row in rows if row["type"] == ActivityType.INDIVIDUAL}
        assert figures["individual_vs_collective"]["individuel"]["activities"] == len(individual), scope
    assert stats(scope="national")["activities"] == 40


def test_stats_rebuild_by_sql_gives_the_same_tables():
    from cnum.stats.models import StatCell, StatPeople

    ActivityFactory(accompaniment__progressed=Progress.YES, themes=[Theme.EMAIL])
    ActivityFactory(collective=True, anonymous_first_time=2, themes=[Theme.EMAIL, Theme.HEALTH])

    def rows():
        return [sorted(m.objects.values_list(*m.KEY_FIELDS, *m.MEASURES)) for m in (StatCell, StatPeople)]

    call_command("stats_rebuild", method="python", verbosity=0, stdout=io.StringIO())
    by_python = rows()
    out = io.StringIO()
    call_command("stats_rebuild", method="sql", stdout=out)
    assert "par la base de données" in out.getvalue()
    assert rows() == by_python and by_python[0]


@pytest.mark.parametrize("method", ["python", "sql"])
def test_a_rebuild_empties_the_tables_without_reading_their_rows(method):
    """One DELETE a table: a queryset's delete() would read every row and send its signal (millions of rows at
    national scale, ≈ 7 GB of the process's memory)."""
    from django.db.models.signals import post_delete

    from cnum.stats.models import StatCell

    ActivityFactory(themes=[Theme.EMAIL])
    call_command("stats_rebuild", method=method, verbosity=0, stdout=io.StringIO())
    assert StatCell.objects.exists()
    deleted = []

    def seen(sender, **kwargs):
        deleted.append(sender)

    post_delete.connect(seen, weak=False, dispatch_uid="test-rebuild-deletes")
    try:
        call_command("stats_rebuild", method=method, verbosity=0, stdout=io.StringIO())
    finally:
        post_delete.disconnect(dispatch_uid="test-rebuild-deletes")
    assert not deleted
    assert StatCell.objects.exists()
