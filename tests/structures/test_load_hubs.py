import io
import json

import pytest
from django.core.management import CommandError, call_command

from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.structures.models import Hub


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_hubs", *args, stdout=out)
    return out.getvalue()


def test_loads_the_reference_file_with_regions_and_departements(cog):
    output = load()
    assert "17 hubs lus" in output and "17 créés, 0 mis à jour, 0 inchangés" in output
    assert Hub.objects.count() == 17
    hinaura = Hub.objects.get(name="Hinaura")
    assert list(hinaura.regions.values_list("code", flat=True)) == ["84"]
    assert "69" in hinaura.departement_codes() and "01" in hinaura.departement_codes()
    assert set(Hub.objects.get(name="Hub du Sud").regions.values_list("name", flat=True)) == {
        "Provence-Alpes-Côte d'Azur"
    }
    assert set(Hub.objects.get(name="Solidarnum").departement_codes()) == {"974", "976"}
    assert AuditEvent.objects.filter(action=AuditAction.BULK, content_type__model="hub").count() == 1


def test_second_run_changes_nothing_and_a_changed_hub_is_restored(cog):
    load()
    assert "0 créés, 0 mis à jour, 17 inchangés" in load()
    Hub.objects.get(name="Guyaclic").departements.clear()
    output = load()
    assert "0 créés, 1 mis à jour, 16 inchangés" in output and "Guyaclic : mis à jour" in output
    assert list(Hub.objects.get(name="Guyaclic").departements.values_list("code", flat=True)) == ["973"]


def test_dry_run_writes_nothing(cog):
    load("--dry-run")
    assert not Hub.objects.exists()


def test_unknown_region_or_departement_rejects_the_file(cog, tmp_path):
    path = tmp_path / "hubs.json"
    path.write_text(json.dumps([{"name": "A", "region_names": ["Atlantide"]}, {"name": "B", "departements": ["00"]}]))
    with pytest.raises(CommandError) as error:
        load("--file", str(path))
    assert "Hub « A » : région inconnue « Atlantide »." in str(error.value)
    assert "Hub « B » : département inconnu « 00 »." in str(error.value)
    assert not Hub.objects.exists()


@pytest.mark.parametrize("text", ["[" * 100_000, "[" + "9" * 5_000 + "]", "{pas du JSON"])
def test_an_unreadable_file_is_a_french_error(cog, tmp_path, text):
    """Lists nested deeper than Python's stack, a number too long to read, invalid JSON: refused, never a crash."""
    path = tmp_path / "hubs.json"
    path.write_text(text)
    with pytest.raises(CommandError, match="Fichier des hubs illisible"):
        load("--file", str(path))
    assert not Hub.objects.exists()
