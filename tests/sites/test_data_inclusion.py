"""export_sites --format data-inclusion-json: the published sites as data·inclusion v1.0.8 structures and services,
valid against the schema's JSON Schemas (read here from reference/data-inclusion, independently of the exporter)."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.usefixtures("cog")
REFERENCE = Path(settings.REFERENCE_DIR) / "data-inclusion"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "data" / "mediation-numerique" / "data-inclusion-schema-v1.0.8"


def export(tmp_path) -> tuple[dict, str]:
    out = io.StringIO()
    call_command("export_sites", format="data-inclusion-json", output=str(tmp_path / "lieux.json"), stdout=out)
    return json.loads((tmp_path / "lieux.json").read_text(encoding="utf-8")), out.getvalue()


def test_every_published_site_is_a_valid_structure_with_one_service(tmp_path):
    SiteFactory(
        name="Médiathèque de la Part-Dieu.",
        pivot="43493312300029",
        phone="+33472103030",
        emails=["contact@mediatheque.fr"],
        websites=["https://mediatheque.fr"],
        fees=["Gratuit"],
        specific_publics=["Seniors", "Jeunes"],
        specific_support=["Surdité"],
        access_modes=["Se présenter", "Téléphoner"],
        support_modes=["Accompagnement individuel", "À distance"],
        booking_url="https://rdv.exemple.fr/pd",
        accessibility_url="https://acceslibre.beta.gouv.fr/app/erp/pd/",
        national_programmes=["France Services"],
        services=["Aide aux démarches administratives", "Acquisition de matériel informatique à prix solidaire"],
        description="Un lieu ouvert à tous.",
    )
    SiteFactory(name="Lieu minimal", pivot="", phone="", services=[], opening_hours="")
    SiteFactory(name="Lieu non publié", unpublished=True)
    SiteFactory(name="A")  # too short for data·inclusion
    document, output = export(tmp_path)

    for kind, key in (("structure", "structures"), ("service", "services")):
        validator = jsonschema.Draft202012Validator(
            json.loads((REFERENCE / f"{kind}.json").read_text(encoding="utf-8")),
            format_checker=jsonschema.FormatChecker(),
        )
        for record in document[key]:
            assert not list(validator.iter_errors(record)), record
    assert [s["nom"] for s in document["structures"]] == ["Médiathèque de la Part-Dieu", "Lieu minimal"]
    first, service = document["structures"][0], document["services"][0]
    assert first["reseaux_porteurs"] == ["conseillers-numeriques", "france-service"]
    assert first["siret"] == "43493312300029" and first["code_insee"] == "69123"
    assert service["structure_id"] == first["id"]
    assert service["thematiques"] == [
        "numerique--acceder-a-des-services-en-ligne",
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        "numerique--acquerir-un-equipement",
    ]
    assert service["publics"] == ["seniors", "jeunes", "personnes-en-situation-de-handicap"]
    assert service["frais"] == "gratuit"
    assert service["modes_accueil"] == ["en-presentiel", "a-distance"]
    assert service["modes_mobilisation"] == ["se-presenter", "telephoner", "utiliser-lien-mobilisation"]
    assert document["services"][1]["publics"] == ["tous-publics"]
    assert "2 lieux écrits dans lieux.json." in output and "1 : nom de moins de 3 caractères" in output
    assert str(tmp_path) not in output


@pytest.mark.skipif(not SHARED.exists(), reason="the shared data folder is not here")
def test_the_reference_copy_is_the_published_schema():
    for path in SHARED.rglob("*.json"):
        assert (REFERENCE / path.relative_to(SHARED)).read_bytes() == path.read_bytes(), path
