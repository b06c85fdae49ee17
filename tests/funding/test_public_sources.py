"""Funding pages cite public texts and name the platform's assumptions; the simulator reads well and exports."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnum.funding.budget import impact_period
from cnum.funding.models import BudgetLine, GrantScheme
from tests.accounts.factories import UserFactory
from tests.funding.factories import signed_convention

pytestmark = pytest.mark.usefixtures("reference")
PARAMS = {"fiscal_year": 2025, "credits": 18000, "kind": "cp", "rule": "ongoing_first"}


@pytest.fixture
def team_client(client):
    client.force_login(UserFactory(programme_team=True))
    return client


@pytest.fixture
def conventions():
    return signed_convention(in_qpv=True), signed_convention(in_marseille=True, association=True)


def _text(response) -> str:
    return " ".join(response.content.decode().replace("\xa0", " ").split())


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("funding:budget", {}),
        ("funding:simulator", PARAMS),
        ("funding:convention_list", {}),
        ("funding:scenarios", {}),
    ],
)
def test_no_page_shows_domain_md(team_client, conventions, url_name, params):
    text = _text(team_client.get(reverse(url_name), params))
    assert "DOMAIN" not in text and "cnum ne dit rien" not in text and "hypothèse de cnum" not in text


def test_every_citation_is_a_public_text_and_assumptions_say_so():
    for source in [
        *BudgetLine.objects.values_list("source", flat=True),
        *GrantScheme.objects.values_list("source", flat=True),
    ]:
        assert "DOMAIN" not in source
        assert any(
            word in source for word in ("Loi de finances", "loi de finances", "Agence nationale", "question écrite")
        )
    assert "Hypothèse de la plateforme" in GrantScheme.objects.get(code="phase2-public").source
    assert "Loi de finances pour 2024" in BudgetLine.objects.get(fiscal_year=2024).source


def test_the_budget_page_explains_the_years_without_voted_lines_and_writes_equipment_with_its_accent(
    team_client, conventions
):
    signed_convention(phase=1, start=datetime.date(2021, 3, 1))
    text = _text(team_client.get(reverse("funding:budget")))
    assert "plan France Relance (programme 364" in text
    assert "équipement 297 €" in text and "equipement" not in text


def test_the_simulator_names_departements_and_reads_its_shares_unambiguously(team_client, conventions):
    text = _text(team_client.get(reverse("funding:simulator"), PARAMS))
    assert "Rhône (69)" in text and "Bouches-du-Rhône (13)" in text
    assert re.search(r"phase 2, année \d : \d+ % des postes", text)
    assert "Télécharger (CSV)" in text and "Télécharger (XLSX)" in text


def test_the_simulator_pages_the_structures_losing_posts(team_client, conventions, monkeypatch):
    monkeypatch.setattr("cnum.funding.views.SIMULATOR_PAGE_SIZE", 1)
    response = team_client.get(reverse("funding:simulator"), {**PARAMS, "credits": 0})
    assert len(response.context["structures_page"].object_list) == 1
    assert "Page 1 sur 2" in _text(response)


def test_the_simulator_exports_its_tables_safely(team_client, conventions):
    lyon, _ = conventions
    lyon.structure.name = "=HYPERLINK(1)"
    lyon.structure.save()
    params = {**PARAMS, "credits": 0}
    response = team_client.get(reverse("funding:simulator_export", args=["structures", "csv"]), params)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Structure", "Département", "Postes perdus", "Postes gardés"]
    assert ["'=HYPERLINK(1)", "Rhône (69)", "1", "0"] in rows
    response = team_client.get(reverse("funding:simulator_export", args=["departements", "xlsx"]), params)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:3] == ["Département", "Postes financés", "Postes non financés"]
    assert team_client.get(reverse("funding:simulator_export", args=["autre", "csv"]), params).status_code == 404


def test_the_exposed_activity_is_that_of_the_simulated_year():
    today = datetime.date(2026, 12, 2)
    assert impact_period(2025, today=today) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert impact_period(2027, today=today) == (datetime.date(2025, 12, 3), today)


def test_the_simulator_writes_french_dates(team_client, conventions):
    text = _text(team_client.get(reverse("funding:simulator"), PARAMS))
    assert "Du 01/01/2025 au 31/12/2025" in text or "(les douze derniers mois connus" in text
    assert "2025-01-01" not in text
