"""The cnum-csv importer reads a batch by columns (`RowParser.parse_batch`); any batch must give exactly what the
row parser gives row by row: the same values and people for the valid rows, the same rows rejected with the same
reasons. Cells are drawn from small pools of valid and broken texts so that rows share values and problems."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnum.activities.importers.cnum_csv import ALIASES, RowParser
from cnum.activities.importers.pipeline import DEFAULTS, PERSON_DEFAULTS
from cnum.activities.importers.reading import header_columns
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.sites.factories import SiteFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cog")]

HEADER = [
    "id", "date", "type", "duree", "type_lieu", "lieu_id", "code_insee", "code_postal", "commune", "thematiques",
    "thematiques_demarche", "materiel", "autonomie", "niveau", "titre", "orientation", "conseiller_email", "genre",
    "tranche_age", "statut_social", "progression", "participants", "participants_deja_accompagnes",
    "participants_progression",
]  # fmt: skip
SITE = "SITE"  # replaced by the id of the site the fixture makes
POOLS = {
    "id": ["A1", "A2", "", "B" * 120],
    "date": ["15/03/2025", "2025-03-15", "2025-13-45", "", "01/01/2019", "2099-01-01"],
    "type": ["individuel", "Atelier collectif", "collectif", "", "autre"],
    "duree": ["45", "0", "601", "x", "", "30,0"],
    "type_lieu": ["lieu_activite", "a_distance", "domicile", "autre", "", "ailleurs"],
    "lieu_id": [SITE, "", "999999", "x", "²"],
    "code_insee": ["", "69123", "99999"],
    "code_postal": ["", "69001", "75001"],
    "commune": ["", "Lyon", "Nulle-Part"],
    "thematiques": ["email", "email|sante", "", "inconnue", "aide_aux_demarches_administratives"],
    "thematiques_demarche": ["", "caf", "x"],
    "materiel": ["", "ordinateur", "x"],
    "autonomie": ["", "autonome", "x"],
    "niveau": ["", "debutant", "x"],
    "titre": ["", "Atelier", "T" * 250],
    "orientation": ["", "x"],
    "conseiller_email": ["camille@exemple.fr", "sans.contrat@exemple.fr", "inconnu@exemple.fr", ""],
    "genre": ["", "femme", "x"],
    "tranche_age": ["", "60–69 ans", "x"],
    "statut_social": ["", "retraite", "x"],
    "progression": ["", "oui", "x"],
    "participants": ["", "3", "0", "x"],
    "participants_deja_accompagnes": ["", "1", "5"],
    "participants_progression": ["", "2", "-1"],
}
# The first text of each pool is valid and drawn most often, so that a batch mixes valid rows and rows with problems.
cells = st.fixed_dictionaries(
    {column: st.sampled_from([values[0]] * 30 * len(values) + values[1:]) for column, values in POOLS.items()}
)


@pytest.fixture
def parser():
    advisor = AdvisorFactory(email="camille@exemple.fr")
    ContractFactory(advisor=advisor, start=datetime.date(2024, 1, 1))
    AdvisorFactory(email="sans.contrat@exemple.fr")
    site = str(SiteFactory().pk)
    return site, lambda: RowParser(header_columns(HEADER, ALIASES), advisor_email="", source="cnum-csv")


def _read(batch, rejected):
    """What a batch says, a field left out read as its default (as it is written)."""
    rows = [batch.row(index) for index in range(len(batch))]
    rows = [{name: row.get(name, default) for name, default in DEFAULTS.items()} for row in rows]
    people = [dict(zip(batch.people, values, strict=True)) for values in zip(*batch.people.values(), strict=True)]
    people = [
        {name: person.get(name, default) for name, default in {**PERSON_DEFAULTS, "row": 0}.items()}
        for person in people
    ]
    return batch.lines, rows, people, [(line, str(error), error.value) for line, error in rejected]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cells, min_size=1, max_size=30))
def test_a_batch_read_by_columns_gives_what_the_rows_give(parser, drawn):
    site, make = parser
    rows = [(line, [row[column].replace(SITE, site) for column in HEADER]) for line, row in enumerate(drawn, start=2)]
    by_columns = make().parse_batch(rows)
    by_rows = make()._parse_rows(rows)
    assert _read(*by_columns) == _read(*by_rows)


def test_a_valid_batch_is_read_by_columns_alone(parser, monkeypatch):
    # Without this, a batch whose every row the columns wrongly call bad would pass the test above.
    rows = [(2, ["A1", "15/03/2025", "individuel", "45", "a_distance", *[""] * 4, "email", *[""] * 6])]
    rows[0][1].extend(["camille@exemple.fr", *[""] * 7])
    reader = parser[1]()
    monkeypatch.setattr(RowParser, "__call__", lambda *args: pytest.fail("read the row's way"))
    batch, rejected = reader.parse_batch(rows)
    assert (len(batch), rejected) == (1, [])
