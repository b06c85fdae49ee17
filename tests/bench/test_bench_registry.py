"""The import benches' registry: two benches in one database (PostgreSQL's national run: the import, then the web
import) name the same advisors and sites, and their rows have ids of their own."""

import pytest

from bench.activities_import import registry, write_file
from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
from cnum.sites.models import Site
from cnum.structures.models import Structure

pytestmark = pytest.mark.django_db
MODELS = (Advisor, Contract, Site, Structure, Team, TeamMembership)


def test_a_second_bench_in_the_same_database_names_the_same_registry_and_writes_ids_of_its_own(tmp_path):
    first = registry(*MODELS)
    counts = [model.objects.count() for model in MODELS]
    second = registry(*MODELS)
    assert second == first and [model.objects.count() for model in MODELS] == counts
    write_file(tmp_path / "a.csv", 3, second)
    write_file(tmp_path / "w.csv", 3, second, prefix="W")
    ids = [line.split(",")[0] for line in (tmp_path / "w.csv").read_text().splitlines()[1:]]
    assert ids == ["W0", "W1", "W2"] and (tmp_path / "a.csv").read_text().splitlines()[1].startswith("B0,")
