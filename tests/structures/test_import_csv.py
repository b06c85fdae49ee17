import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cnum.core import imports
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.structures.enums import IdentifierKind, StructureType
from cnum.structures.models import Network, Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import HubFactory

HEADER = (
    "SIRET;Nom;Type;Code INSEE;Code postal;Commune;Adresse;QPV;ZRR;France Services;Hub;Réseaux;"
    "Contact nom;Contact prénom;Contact email;Contact téléphone;id"
)
ROWS = [
    # line 2
    "21690123100011;Ville de Lyon;Commune;69123;69001;Lyon;1 place de la Comédie;non;non;oui;Hinaura;;"
    "Dupont;Marie;marie.dupont@exemple.fr;04 72 10 30 30;L1",
    # line 3: no INSEE code, postal code and name
    "732 829 320 00074;Numérique pour tous;Association loi 1901;;69100;Villeurbanne;;oui;;x;;"
    "Emmaüs Connect|Les Petits Débrouillards;;;;;A2",
    # line 4: La Poste's head office
    "35600000000048;La Poste;Entreprise;75056;;;;;;;;;;;;;LP",
    # line 5: Luhn key wrong
    "73282932000075;Clé fausse;Commune;69123;;;;;;;;;;;;;",
    # line 6: 13 digits
    "7328293200007;Trop court;Commune;69123;;;;;;;;;;;;;",
    # line 7: a letter
    "7328293200007A;Avec une lettre;Commune;69123;;;;;;;;;;;;;",
    # line 8: RNA, commune by postal code and arrondissement name
    "W133001234;Association marseillaise;association;;13001;Marseille 1er;;1;0;0;;;;;;;",
    # line 9: RIDET, Nouméa
    "1234567.001;Case numérique de Nouméa;Collectivité;98818;;;;;;;;;;;;;",
    # line 10: unknown type
    "55210055400013;Syndicat mixte;Syndicat mixte;69266;;;;;;;;;;;;;",
    # line 11: same SIRET as line 2
    "216 901 231 00011;Mairie de Lyon (bis);commune;69123;;;;;;;;;;;;;",
    # line 12: unknown INSEE code
    "44306184100047;Nulle part;EPCI;99999;;;;;;;;;;;;;",
    # line 13: INSEE code that lost its leading zero: accepted with a warning
    "21010001200017;Commune de l'Abergement;COMMUNE;1001;;;;;;;;;;;;;",
    # line 14: a yes/no value that is neither
    "80295478500027;Pas sûr;communauté de communes;69266;;;;peut-être;;;;;;;;;",
]
REJECTED = {5, 6, 7, 10, 11, 12, 14}


def write(tmp_path, text: str, *, name="structures.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def import_file(path, *args) -> str:
    out = io.StringIO()
    call_command("import_structures", "--format", "csv", path, *args, stdout=out, verbosity=1)
    return out.getvalue()


@pytest.fixture
def sample(tmp_path, cog):
    HubFactory(name="Hinaura")
    return write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")


def rejected_lines(output: str) -> dict[int, str]:
    return {int(line): reason for line, reason in re.findall(r"^  ligne (\d+) : (.*)$", output, re.MULTILINE)}


def test_valid_rows_are_imported_and_every_rejected_line_is_printed_with_its_reason(sample):
    output = import_file(sample)

    assert "13 lignes lues : 6 créées, 0 mise à jour, 0 inchangée, 7 rejetées" in output
    problems = rejected_lines(output.split("Avertissements")[0])
    assert set(problems) == REJECTED
    assert "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas" in problems[5]
    assert "SIRET invalide : 14 chiffres attendus, 13 reçus." in problems[6]
    assert "caractère(s) non numérique(s) « A »" in problems[7]
    assert "Type de structure « Syndicat mixte » inconnu. Valeurs acceptées : commune (Commune), epci" in problems[10]
    assert "Doublon de la ligne 2" in problems[11]
    assert "Aucune commune de code INSEE 99999" in problems[12]
    assert problems[14].startswith("Valeur « peut-être » non reconnue pour qpv : oui ou non attendu")
    assert "Code INSEE complété par un zéro initial" in output.split("Avertissements")[1]

    assert Structure.objects.count() == 6
    lyon = Structure.objects.get(identifier="21690123100011")
    assert (lyon.name, lyon.type, lyon.commune.code, lyon.departement_id) == (
        "Ville de Lyon",
        "commune",
        "69123",
        "69",
    )
    assert (lyon.france_services, lyon.qpv, lyon.hub.name) == (True, False, "Hinaura")
    assert (lyon.contact_first_name, lyon.contact_email, lyon.source_id) == ("Marie", "marie.dupont@exemple.fr", "L1")
    association = Structure.objects.get(identifier="73282932000074")
    assert association.type == StructureType.ASSOCIATION
    assert (association.commune.code, association.postal_code, association.qpv) == ("69266", "69100", True)
    assert sorted(association.networks.values_list("name", flat=True)) == [
        "Emmaüs Connect",
        "Les Petits Débrouillards",
    ]
    assert Structure.objects.get(identifier="35600000000048").type == StructureType.PRIVATE
    marseille = Structure.objects.get(identifier="W133001234")
    assert (marseille.identifier_kind, marseille.commune.code, marseille.departement_id) == ("rna", "13201", "13")
    noumea = Structure.objects.get(identifier="1234567001")
    assert (noumea.identifier_kind, noumea.type, noumea.departement_id) == (
        IdentifierKind.RIDET,
        "collectivite",
        "988",
    )


def test_the_import_leaves_one_summary_event_in_the_audit_trail(sample):
    import_file(sample)
    events = AuditEvent.objects.filter(content_type__model="structure")
    assert list(events.values_list("action", flat=True)) == [AuditAction.BULK]
    assert events.get().changes["créées"] == 6
    assert events.get().actor_label == "commande import_structures"


def test_a_second_import_of_the_same_file_changes_nothing(sample):
    import_file(sample)
    before = AuditEvent.objects.count()
    output = import_file(sample)
    assert "13 lignes lues : 0 créée, 0 mise à jour, 6 inchangées, 7 rejetées" in output
    assert AuditEvent.objects.count() == before
    assert Network.objects.count() == 2


def test_changed_rows_are_updated_and_absent_columns_left_alone(tmp_path, sample):
    import_file(sample)
    renamed = write(
        tmp_path,
        "siret,nom,type,code_insee,id\n21690123100011,Mairie de Lyon,commune,69123,L1\n"
        "73282932000074,Numérique pour tous,association,69266,A2\n",
        name="update.csv",
    )
    output = import_file(renamed)
    assert "2 lignes lues : 0 créée, 1 mise à jour, 1 inchangée, 0 rejetée" in output
    lyon = Structure.objects.get(identifier="21690123100011")
    assert lyon.name == "Mairie de Lyon"
    assert lyon.france_services and lyon.hub is not None  # columns the file does not have
    association = Structure.objects.get(identifier="73282932000074")
    assert association.postal_code == "69100" and association.networks.count() == 2


def test_a_row_with_an_id_follows_its_structure_when_the_identifier_changes(tmp_path, cog):
    import_file(write(tmp_path, "siret;nom;type;insee;id\n21690123100011;Lyon;commune;69123;L1\n", name="a.csv"))
    output = import_file(write(tmp_path, "siret;nom;type;insee;id\nW691234567;Lyon;commune;69123;L1\n", name="b.csv"))
    assert "1 mise à jour" in output
    assert Structure.objects.get().identifier == "W691234567"


def test_dry_run_reports_and_writes_nothing(sample):
    output = import_file(sample, "--dry-run")
    assert "6 à créer" in output
    assert "Simulation (--dry-run) : aucune modification enregistrée." in output
    assert not Structure.objects.exists()
    assert not Network.objects.exists()
    assert not AuditEvent.objects.filter(content_type__model="structure").exists()


def test_windows_1252_file_with_semicolons(tmp_path, cog):
    text = "N° SIRET;Raison sociale;Type de structure;Code commune;CP;Ville\r\n"
    text += "21690123100011;Régie numérique de l'Hôtel de Ville;Collectivité;;69001;Lyon\r\n"
    path = write(tmp_path, text, encoding="cp1252")
    output = import_file(path)
    assert "1 ligne lue : 1 créée" in output
    structure = Structure.objects.get()
    assert structure.name == "Régie numérique de l'Hôtel de Ville"
    assert structure.type == StructureType.COLLECTIVITE


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_utf8_with_bom_and_other_delimiters(tmp_path, cog, delimiter):
    rows = [
        ["Identifiant", "Dénomination", "TYPE", "INSEE", "Réseaux"],
        ["21690123100011", "Lyon", "Mairie", "69123", "A|B"],
    ]
    text = "\n".join(delimiter.join(row) for row in rows)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    report = imports.run_import(format_name="structures-csv", path=path, dry_run=False)
    assert (report.total, report.created, report.rejected) == (1, 1, [])
    assert report.delimiter == delimiter and report.encoding == "UTF-8 (BOM)"
    assert Structure.objects.get().networks.count() == 2


def test_missing_required_columns_reject_the_whole_file(tmp_path, cog):
    path = write(tmp_path, "siret;nom;ville\n21690123100011;Lyon;Lyon\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("import_structures", path, stdout=out)
    assert "colonne(s) obligatoire(s) manquante(s) : type, code_insee (ou code_postal et commune)" in out.getvalue()
    assert not Structure.objects.exists()


def test_unknown_columns_are_reported_and_ignored(tmp_path, cog):
    report = imports.run_import(
        format_name="structures-csv",
        path=write(tmp_path, "siret;nom;type;code_insee;couleur\n21690123100011;Lyon;commune;69123;bleu\n"),
        dry_run=True,
    )
    assert report.created == 1
    assert report.warnings[0].reason == "Colonne(s) non reconnue(s), ignorée(s) : couleur."


def test_an_identifier_owned_by_another_structure_is_refused(tmp_path, cog):
    import_file(write(tmp_path, "siret;nom;type;insee;id\n21690123100011;Lyon;commune;69123;L1\n", name="a.csv"))
    import_file(write(tmp_path, "siret;nom;type;insee;id\n73282932000074;Assoc;association;69123;A1\n", name="b.csv"))
    output = import_file(
        write(tmp_path, "siret;nom;type;insee;id\n73282932000074;Lyon;commune;69123;L1\n", name="c.csv")
    )
    assert "est déjà celui de la structure « Assoc »" in output
    assert Structure.objects.get(source_id="L1").identifier == "21690123100011"


def test_the_format_is_registered_for_the_upload_page():
    import_format = imports.get_format("structures-csv")
    assert (import_format.label, import_format.target, import_format.extensions) == (
        "Structures (CSV)",
        "structures",
        (".csv",),
    )


def test_the_upload_page_previews_then_imports(client, cog, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory(programme_team=True))
    content = "siret;nom;type;code_insee\n21690123100011;Lyon;commune;69123\n73282932000075;Faux;commune;69123\n"
    upload = SimpleUploadedFile("structures.csv", content.encode())
    response = client.post(reverse("core:import_upload"), {"format": "structures-csv", "file": upload})
    html = response.content.decode()
    assert "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas" in html
    assert not Structure.objects.exists()
    response = client.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    assert response.context["report"].created == 1
    assert Structure.objects.get().name == "Lyon"
