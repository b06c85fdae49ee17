"""The demo's figures against the programme's published ratios (issue #19, DOMAIN.md headline figures), read through
the public surface: `stats --json`, `export_structures`, `export_sites`.

A reduced demo (`--sample`: the activities of a share of the structures' advisors, at the generator's own pace) keeps
the suite fast; the ratios are per recording advisor, so a sample gives the whole demo's.
"""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command

from cnum.activities.models import Activity, Beneficiary
from cnum.advisors.enums import ContractKind
from cnum.advisors.models import Contract, TeamMembership
from cnum.funding.outcomes import cost_per_outcome
from cnum.sites.importers.base import not_a_name
from cnum.structures.models import Structure
from cnum.territories.lookup import normalize_name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.demo]

YEAR = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def stats_json(since, until) -> dict:
    out = io.StringIO()
    call_command("stats", scope="national", since=since, until=until, json=True, stdout=out)
    return json.loads(out.getvalue())


def advisors_recording(figures: dict, since, until) -> int:
    """The catalogue's figure when it has it, else the distinct advisors with an activity in the period."""
    if figures.get("advisors_recording") is not None:
        return figures["advisors_recording"]
    return Activity.objects.filter(date__range=(since, until)).values("advisor_id").distinct().count()


def test_the_demo_holds_the_published_ratios_and_a_coherent_registry(tmp_path):
    call_command("demo", sample=0.15, verbosity=0, stdout=io.StringIO())

    # Written answer no. 2656: ≈30 accompaniments a month per advisor, ≈60 % public employers, 97 % progressed.
    figures = stats_json(*YEAR)
    recording = advisors_recording(figures, *YEAR)
    assert 15 <= figures["accompaniments"] / recording / 12 <= 60
    assert 0.5 <= figures["by_employer_type"]["public"]["activities"] / figures["activities"] <= 0.7
    assert figures["progressed_rate"] >= 0.85
    months = figures["by_month"]
    assert len(months) == 12
    october, august = months["2025-10"]["accompaniments"], months["2025-08"]["accompaniments"]
    assert august < 0.6 * october  # the summer break
    assert months["2025-12"]["accompaniments"] < october  # the year-end holidays
    # Not everyone records every month, but most of the advisors in post do.
    in_post = Contract.objects.filter(start__lte="2025-10-31").exclude(end__lt="2025-10-01")
    sampled = in_post.filter(structure__in=Activity.objects.values("structure_id"))
    october_recording = Activity.objects.filter(date__year=2025, date__month=10).values("advisor_id").distinct()
    assert 0.6 <= october_recording.count() / sampled.count() <= 0.95
    # The months shown up to today hold the same pace: no thin history.
    this_year = stats_json(datetime.date(2026, 1, 1), datetime.date(2026, 11, 30))
    recording = advisors_recording(this_year, datetime.date(2026, 1, 1), datetime.date(2026, 11, 30))
    assert 15 <= this_year["accompaniments"] / recording / 11 <= 60
    assert not Activity.objects.filter(date__lt="2025-01-01").exists()

    assert_cost_in_tens_of_euros()

    assert_coherent_registry(tmp_path)


def assert_cost_in_tens_of_euros():
    """The year's credits over its accompaniments: tens of euros (≈40 M€ for ≈1 M accompaniments), not thousands.
    The reduced demo has the credits of every post but the activities of a sample: its figure is scaled back."""
    total = cost_per_outcome(2025)["total"]
    sampled = Contract.objects.filter(structure__in=Activity.objects.values("structure_id")).count()
    scale = sampled / Contract.objects.count()
    assert 10 <= total["per_accompaniment"] * scale <= 100


def assert_coherent_registry(tmp_path):
    structures_file = tmp_path / "structures.csv"
    call_command("export_structures", format="csv", output=structures_file, verbosity=0, stdout=io.StringIO())
    with structures_file.open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file, delimiter=sniff(structures_file)))
    keys = [(normalize_name(row["nom"]), row["code_insee"]) for row in rows]
    assert len(keys) == len(set(keys)), "two structures of one name in one commune"
    identifiers = [row for row in Structure.objects.exclude(identifier="").values_list("identifier", flat=True)]
    assert len(identifiers) == len(set(identifiers))

    sites_file = tmp_path / "sites.csv"
    call_command("export_sites", format="lieux-v1-csv", output=str(sites_file), verbosity=0, stdout=io.StringIO())
    with sites_file.open(encoding="utf-8-sig") as file:
        names = [row["nom"] for row in csv.DictReader(file, delimiter=sniff(sites_file))]
    assert len(names) > 4000  # the sites the export writes (lieux-v1 drops those it cannot publish)
    assert [name for name in names if not_a_name(name)] == []

    public_project = Contract.objects.filter(kind=ContractKind.PUBLIC_PROJECT)
    assert public_project.exists()
    assert not [c for c in public_project.select_related("structure") if not c.structure.is_public]
    for network_name, foreign in (("Emmaüs Connect", "CROIX ROUGE"), ("Croix-Rouge française", "EMMAUS")):
        members = Structure.objects.filter(networks__name=network_name).values_list("name", flat=True)
        assert not [name for name in members if foreign in normalize_name(name)], network_name
    memberships = TeamMembership.objects.select_related("team", "advisor")
    for membership in memberships[:500]:
        assert membership.advisor.contracts.filter(structure_id=membership.team.structure_id).exists()
    # Followed people: no two of one advisor share a name (the duplicates page would offer them as one person).
    followed = Beneficiary.objects.filter(is_followed=True)
    assert followed.values("advisor_id", "normalized_name").distinct().count() == followed.count()


def sniff(path) -> str:
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return ";" if first.count(";") > first.count(",") else ","
