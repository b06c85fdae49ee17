"""`advisors_in_post` (catalogue, registry level): advisors with a contract running on the period's last day, within
the scope — in `stats --json`, on the dashboard's tiles, in the exports and the fiche."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.advisors.enums import ContractEndReason
from cnum.stats.exports import fiche_html
from cnum.stats.scopes import Scope
from tests.accounts.factories import UserFactory
from tests.advisors.factories import ContractFactory
from tests.stats.test_pages import figure
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts():
    """In the Rhône: one contract running since 2024, one that ended on 2025-03-31, one starting 2025-09-01; one
    in the Ain."""
    rhone, ain = DepartementFactory(code="69"), DepartementFactory(code="01", name="Ain")
    lyon = StructureFactory(departement=rhone)
    ContractFactory(structure=lyon)
    ContractFactory(structure=lyon, end=datetime.date(2025, 3, 31), end_reason=ContractEndReason.RESIGNATION)
    ContractFactory(structure=lyon, start=datetime.date(2025, 9, 1))
    ContractFactory(structure=StructureFactory(departement=ain))


def stats(**options) -> dict:
    out = io.StringIO()
    call_command("stats", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_stats_json_counts_the_contracts_running_at_the_end_of_the_period_in_the_scope(contracts):
    assert stats(scope="departement:69", since="2025-01-01", until="2025-03-31")["advisors_in_post"] == 2
    assert stats(scope="departement:69", since="2025-04-01", until="2025-06-30")["advisors_in_post"] == 1
    assert stats(scope="departement:69", since="2025-01-01", until="2025-12-31")["advisors_in_post"] == 2
    assert stats(scope="national", since="2025-04-01", until="2025-06-30")["advisors_in_post"] == 2


def test_dashboard_tile_export_and_fiche_show_it(client, contracts):
    client.force_login(UserFactory(programme_team=True))
    query = {"scope": "departement:69", "du": "2025-04-01", "au": "2025-06-30"}
    html = client.get(reverse("stats:dashboard"), query).content.decode()
    assert figure(html, "advisors_in_post") == "1"
    assert "Conseillers ayant un contrat en cours à la fin de la période." in html
    csv = client.get(reverse("stats:export", args=["csv"]), query).content.decode("utf-8-sig")
    assert "Conseillers en poste;1" in csv.splitlines()
    fiche = fiche_html(Scope.parse("departement:69"), datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    assert "Conseillers en poste" in fiche
