"""Format "csv-auto": a third-party list built from the real national files, dirty (tests/sites/regional)."""

import io
import json

import pytest
from django.core.management import call_command

from cnum.core import imports
from cnum.sites.importers import mapping
from cnum.sites.importers.sniffing import decode, detect_delimiter
from cnum.sites.models import Site, SiteSource, SiteSourceMapping
from cnum.sites.opening_hours_text import from_text
from cnum.territories.lookup import commune_by_insee
from tests.sites.regional import HEADER, regional_file

pytestmark = pytest.mark.usefixtures("cog")


@pytest.fixture(scope="module")
def regional():
    return regional_file()


@pytest.fixture
def regional_path(regional, tmp_path):
    return regional.write(tmp_path / "lieux-region.csv")


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_sites", "--format", "csv-auto", *map(str, args), stdout=out)
    return out.getvalue()


def run(path, **options):
    return imports.run_import(format_name="csv-auto", path=path, dry_run=options.pop("dry_run", False), **options)


def write(tmp_path, text, *, name="lieux.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the file as a whole -------------------------------------------------------------------------------------


def test_the_format_is_offered_by_the_upload_page():
    assert "csv-auto" in [f.name for f in imports.formats(target="lieux")]


def test_encoding_separator_and_line_endings_are_detected_and_said(regional_path):
    output = command(regional_path, "--source", "region-ara")
    assert "Encodage détecté : Windows-1252 ; séparateur : point-virgule (;) ; fins de ligne : CRLF" in output
    assert "« CP » → code_postal" in output and "« Code commune » → code_insee" in output
    assert "« Tél » → telephone" in output and "« Publics accueillis » → publics_specifiquement_adresses" in output
    assert "Colonnes ignorées : « Remarque interne »." in output


def test_decode_cascade_names_the_encoding():
    assert decode("é".encode())[1] == "UTF-8"
    assert decode(b"\xef\xbb\xbf" + "é".encode())[1] == "UTF-8 avec BOM"
    assert decode("é".encode("cp1252"))[1] == "Windows-1252"
    assert decode(b"\x81\xe9")[1] == "Latin-1 (ISO-8859-1)"
    assert detect_delimiter("a\tb\tc\n1\t2\t3") == "\t" and detect_delimiter("a,b;c;d\n") == ";"


def test_at_least_95_percent_of_rows_land_in_the_official_commune(regional, regional_path):
    report = run(regional_path, source="region-ara")
    assert report.total == 100 and report.created >= 95
    sites = {site.source_id: site for site in Site.objects.filter(source="region-ara").select_related("commune")}
    official = [(row, commune_by_insee(row["expected_insee"]).code) for row in regional.rows if row["expected_insee"]]
    right = [
        row
        for row, code in official
        if f"fs-{row['id_fs']}" in sites and sites[f"fs-{row['id_fs']}"].commune.code == code
    ]
    assert len(right) >= 0.95 * len(official)
    assert all(site.postal_code.startswith("0") for site in sites.values())


def test_damaged_names_are_restored_where_one_word_fits_and_what_stays_damaged_is_flagged(regional, regional_path):
    report = run(regional_path, source="region-ara")
    restored = [problem.reason for problem in report.normalised if "caractère perdu restauré" in problem.reason]
    assert any(reason.startswith("commune : ") for reason in restored)
    assert any(reason.startswith("nom : ") for reason in restored)
    assert not Site.objects.filter(commune_name__contains="\ufffd").exists()
    damaged = Site.objects.filter(name__contains="\ufffd")
    assert damaged.count() == report.still_damaged <= 0.01 * report.total
    assert all(any("illisible" in note for note in site.review_notes) for site in damaged)
    assert (
        not Site.objects.exclude(name__contains="\ufffd")
        .exclude(review_notes=[])
        .filter(review_notes__icontains="illisible")
        .exists()
    )


def test_values_are_normalised_and_each_change_reported(regional_path):
    report = run(regional_path, source="region-ara")
    reasons = " ".join(problem.reason for problem in report.normalised)
    assert "Code postal « 1200.0 » → 01200" in reasons and "Code INSEE « 1033 » → 01033" in reasons
    assert "Horaires « lundi 09h-12h / 13h30-17h" in reasons
    site = Site.objects.get(source="region-ara", source_id="fs-1")
    assert site.postal_code == "01200" and site.commune.code == "01033"
    assert site.opening_hours == "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"
    assert site.phone == "+33450568749" and site.emails == ["franceservices@ccpb01.fr"]
    assert site.services == ["Aide aux démarches administratives", "Accès internet et matériel informatique"]
    assert site.specific_publics == []


def test_a_rejected_row_has_its_reason(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;cp;ville\r\nMédiathèque;;69001;Lyon\r\nEspace;1 rue A;99999;Nulle-Part\r\n",
    )
    report = run(path, source="test")
    reasons = {problem.line: problem.reason for problem in report.rejected}
    assert reasons[2] == "Adresse manquant(e)."
    assert reasons[3].startswith("Commune non reconnue")
    assert report.created == 0


def test_dry_run_writes_nothing(regional_path):
    output = command(regional_path, "--source", "region-ara", "--dry-run")
    assert "Simulation" in output and "100 à créer" in output
    assert not Site.objects.exists() and not SiteSource.objects.exists() and not SiteSourceMapping.objects.exists()


def test_reimporting_the_same_file_changes_nothing(regional_path):
    first = run(regional_path, source="region-ara")
    sources = list(SiteSource.objects.order_by("pk").values_list("pk", "updated_at"))
    again = run(regional_path, source="region-ara")
    assert (again.created, again.updated, again.duplicates) == (0, 0, 0)
    assert again.unchanged == first.created
    assert list(SiteSource.objects.order_by("pk").values_list("pk", "updated_at")) == sources


def test_rows_without_identifier_are_matched_by_name_and_commune(tmp_path):
    text = "nom;adresse;cp;ville\nMédiathèque du Centre;1 place Bellecour;69002;Lyon\n"
    run(write(tmp_path, text), source="asso")
    again = run(write(tmp_path, text, name="again.csv"), source="asso")
    assert (again.created, again.unchanged) == (0, 1)


# --- the mapping -------------------------------------------------------------------------------------------


def test_a_mapping_file_corrects_the_guess_and_is_saved_then_reused(tmp_path):
    text = "Lieu;Rue;CP;Ville;Notes\nMédiathèque;1 place Bellecour;69002;Lyon;vu\n"
    path = write(tmp_path, text)
    guessed = run(path, source="hub-xyz", dry_run=True)
    assert "Aucune colonne nommée « nom » : « Lieu » (100 % des valeurs s'y prêtent) retenue" in " ".join(
        guessed.file_notes
    )
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({"Lieu": "nom", "Rue": "adresse", "Notes": None}), encoding="utf-8")
    output = command(path, "--source", "hub-xyz", "--mapping", mapping_file)
    assert "Correspondance des colonnes (fournie)" in output and "« Lieu » → nom" in output
    assert SiteSourceMapping.objects.get(source="hub-xyz").mapping["Lieu"] == "nom"
    reused = command(write(tmp_path, text, name="next.csv"), "--source", "hub-xyz")
    assert "enregistrée pour la source « hub-xyz », reprise" in reused
    assert "0 créée" in reused and "1 inchangée" in reused


def test_guess_maps_synonyms_composes_lists_and_ignores_a_second_column_for_a_single_field():
    header = ["Raison sociale", "adresse-voie", "Code Postal", "CP", "INSEE", "Y", "X", "mail", "E-mail"]
    guessed = mapping.guess(header)
    assert guessed.columns == {
        "Raison sociale": "nom",
        "adresse-voie": "adresse",
        "Code Postal": "code_postal",
        "CP": None,
        "INSEE": "code_insee",
        "Y": "latitude",
        "X": "longitude",
        "mail": "courriels",
        "E-mail": "courriels",
    }
    assert "« CP » ignorée : « Code Postal » fournit déjà code_postal." in guessed.notes
    assert "courriels composé de « mail » + « E-mail »." in guessed.notes
    assert "E-mail" in " ".join(guessed.notes)


def test_header_of_the_regional_file_is_fully_understood():
    assert [column for column, target in mapping.guess(HEADER).columns.items() if not target] == ["Remarque interne"]


# --- values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi 9h-12h / 14h-17h", "Mo 09:00-12:00,14:00-17:00"),
        ("du lundi au vendredi de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
        ("Lu-Ve 09:00-12:00", "Mo-Fr 09:00-12:00"),
        ("mardi et jeudi : 14h-18h ; samedi fermé", "Tu,Th 14:00-18:00"),
        ("Mo-Fr 09:00-12:00; Sa 10:00-12:00", "Mo-Fr 09:00-12:00; Sa 10:00-12:00"),
    ],
)
def test_french_opening_hours_are_read_into_osm(text, expected):
    assert from_text(text) == expected


@pytest.mark.parametrize("text", ["sur rendez-vous", "lundi 9h", "9h-12h", "lundi 14h-12h", "le matin"])
def test_unreadable_opening_hours_are_not_guessed(text):
    with pytest.raises(ValueError):
        from_text(text)


def test_unreadable_hours_ambiguous_services_and_bad_contacts_are_reported_not_guessed(tmp_path):
    text = (
        "nom,adresse,code_postal,code_insee,commune,horaires,services,publics,telephone,email,site_web\n"
        'Médiathèque,1 place Bellecour,69002,69382,Lyon,sur rendez-vous,"Matériel informatique|Initiation tablette",'
        "Seniors,+33 4 78 00 00 00, Contact@Mairie.FR ,www.mairie.fr\n"
        "Espace,2 rue A,69002,69382,Lyon,,,,12,pas-un-courriel,http://\n"
    )
    report = run(write(tmp_path, text), source="test")
    site = Site.objects.get(name="Médiathèque")
    assert site.opening_hours == "" and any("sur rendez-vous" in note for note in site.review_notes)
    assert site.services == ["Maîtrise des outils numériques du quotidien"]
    assert site.specific_publics == ["Seniors"]
    assert site.phone == "+33478000000" and site.emails == ["contact@mairie.fr"]
    assert site.websites == ["https://www.mairie.fr"]
    warnings = " ".join(problem.reason for problem in report.warnings)
    assert "« Matériel informatique » ambigu" in warnings
    assert "Courriel invalide" in warnings and "Adresse web invalide" in warnings and "Téléphone « 12 »" in warnings
    normalised = " ".join(problem.reason for problem in report.normalised)
    assert "Téléphone « +33 4 78 00 00 00 » → 04 78 00 00 00." in normalised
    assert "Adresse web « www.mairie.fr » complétée : https://www.mairie.fr." in normalised


def test_double_encoded_text_is_repaired_with_a_report_line(tmp_path):
    text = "nom;adresse;cp;ville\nMÃ©diathÃ¨que;1 place Bellecour;69002;Lyon\n"
    report = run(write(tmp_path, text), source="test")
    assert Site.objects.get().name == "Médiathèque"
    assert any("double encodage réparé" in problem.reason for problem in report.normalised)
