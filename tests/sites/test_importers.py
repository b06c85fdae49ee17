"""The three site importers on small crafted files, dirty on purpose."""

import datetime
import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cnum.core import imports
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.sites.models import Site
from tests.accounts.factories import UserFactory
from tests.sites.factories import luhn_siret, structure

pytestmark = pytest.mark.usefixtures("cog")

EXAMPLE = settings.REFERENCE_DIR / "mediation-numerique" / "exemple-valide-schema-lieux.csv"
V1_HEADER = (
    "id;pivot;Nom;Commune;Code Postal;code_insee;Adresse;latitude;longitude;telephone;courriels;horaires;services;"
    "date_maj"
)
FS_HEADER = (
    '"id_fs","insee_dep","lib_fs","adresse","complement_adresse","insee_com","code_postal","lib_com","latitude",'
    '"longitude","mail","telephone","h_lundi","h_mardi","h_mercredi","h_jeudi","h_vendredi","h_samedi",'
    '"commentaire","itinerance","format_fs","groupe","labellisation"'
)


def run(format_name, path, *, dry_run=False, **options):
    return imports.run_import(format_name=format_name, path=path, dry_run=dry_run, **options)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def reasons(report):
    return {problem.line: problem.reason for problem in report.rejected}


def bulk_events():
    return AuditEvent.objects.filter(action=AuditAction.BULK, content_type__model="site")


def test_the_three_formats_are_registered_for_the_upload_page():
    assert [f.name for f in imports.formats(target="lieux")] == [
        "cnfs-v0-json",
        "lieux-v1-csv",
        "france-services-csv",
        "csv-auto",
    ]


# --- lieux-v1-csv -------------------------------------------------------------------------------------------


def test_the_schema_example_imports_every_column():
    report = run("lieux-v1-csv", EXAMPLE)
    assert (report.created, report.rejected, report.warnings) == (1, [], [])
    site = Site.objects.get()
    assert (site.source, site.source_id, site.pivot, site.name) == (
        "Hubik",
        "structure-1",
        "43493312300029",
        "Anonymal",
    )
    assert (site.commune.code, site.departement_id, site.commune_name, site.postal_code) == (
        "51454",
        "51",
        "Reims",
        "51100",
    )
    assert site.typology == ["TIERS_LIEUX", "ASSO"]
    assert site.emails == ["contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"]
    assert site.websites == ["https://www.laquincaillerie.tl/", "https://m.facebook.com/laquincaillerienumerique/"]
    assert site.opening_hours == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    assert site.services == [
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Loisirs et créations numériques",
    ]
    assert site.national_programmes == ["Aidants Connect", "Conseillers numériques", "La Croix Rouge"]
    assert site.support_modes == [
        "Dans un atelier collectif",
        "À distance",
        "En autonomie",
        "Accompagnement individuel",
    ]
    assert site.mobility == ["Itinérant"] and site.other_training_labels == ["Label et la bête"]
    assert site.updated_on == datetime.date(2024, 4, 2) and site.phone == "+33180059880"


DIRTY_V1 = "\n".join(
    [
        V1_HEADER,
        "a1;;Médiathèque Élise;lyon;69001;;1 place de la Comédie;45,7675;4,8357;04 72 10 30 30;"
        "contact@mediatheque.fr, pas-une-adresse;Mo-Fr 9h-12h;aide aux DEMARCHES administratives|Atelier photo;"
        "2024-03-01",
        "a2;;;Lyon;69001;;2 rue X;;;;;;;2024-03-01",
        "a3;;Sans adresse;Lyon;69001;;;;;;;;;2024-03-01",
        "a4;;Ailleurs;Castres;69001;;3 rue Y;;;;;;;2024-03-01",
        "a5;;Coordonnées folles;Lyon;69001;;4 rue Z;abc;4.8;;;;;2024-03-01",
        "a6;;Coordonnées inversées;Lyon;69001;;5 rue Z;4.8357;45.7675;;;;;2024-03-01",
        "a7;;Sans date;Lyon;69001;;6 rue Z;;;;;;;",
        "a8;;Code postal faux;Lyon;6900;;7 rue Z;;;;;;;01/03/2024",
        "",
    ]
)


def test_a_dirty_csv_is_read_liberally_and_each_bad_row_rejected_with_its_line_and_reason(tmp_path):
    path = write(tmp_path, "lieux.csv", DIRTY_V1, encoding="cp1252")
    report = run("lieux-v1-csv", path)
    assert report.total == 8 and report.created == 1
    problems = reasons(report)
    assert problems[3] == "Nom manquant(e)."
    assert problems[4] == "Adresse manquant(e)."
    assert problems[5].startswith("Commune non reconnue : Aucune commune « Castres » pour le code postal 69001.")
    assert problems[6] == "Coordonnée « abc » non numérique."
    assert "inversées" in problems[7]
    assert problems[8] == "Date de mise à jour manquant(e)."
    # "6900": the lost leading zero is put back (06900), which is not Lyon's département: no guess.
    assert (
        problems[9]
        == "Commune non reconnue : Code postal 06900 absent du COG, et aucune commune « Lyon » dans le département 06."
    )
    assert set(problems) == {3, 4, 5, 6, 7, 8, 9}
    site = Site.objects.get(source_id="a1")
    assert site.name == "Médiathèque Élise" and site.commune.code == "69123"
    assert (site.latitude, site.longitude, site.phone) == (45.7675, 4.8357, "+33472103030")
    assert site.emails == ["contact@mediatheque.fr"] and site.services == ["Aide aux démarches administratives"]
    assert site.opening_hours == ""
    warnings = [(problem.line, problem.reason.split(" :")[0]) for problem in report.warnings]
    assert (2, "Courriel invalide, ignoré.") in warnings
    assert (2, "Horaires « Mo-Fr 9h-12h » illisibles") in warnings
    assert (2, "Valeur inconnue pour « services » (schéma v1.0.2), ignorée.") in warnings


def test_a_file_that_cannot_be_read_is_one_rejection_and_the_command_fails(tmp_path):
    path = write(tmp_path, "vide.csv", "nom,adresse\nA,B\n")
    report = run("lieux-v1-csv", path)
    assert report.total == 0
    assert report.rejected[0].reason == "Colonne(s) obligatoire(s) absente(s) de l'en-tête : code_postal, commune."
    with pytest.raises(CommandError, match="Fichier illisible"):
        call_command("import_sites", "--format", "lieux-v1-csv", str(path), stdout=io.StringIO())


def test_dry_run_writes_nothing_not_even_the_audit(tmp_path):
    report = run("lieux-v1-csv", EXAMPLE, dry_run=True)
    assert report.created == 1 and report.dry_run
    assert not Site.objects.exists() and not bulk_events().exists()


def test_reimporting_the_same_file_changes_nothing_and_each_import_is_one_audit_summary():
    first = run("lieux-v1-csv", EXAMPLE)
    second = run("lieux-v1-csv", EXAMPLE)
    assert (first.created, first.updated) == (1, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    events = list(bulk_events().order_by("pk"))
    assert len(events) == 2 and not AuditEvent.objects.exclude(action=AuditAction.BULK).exists()
    assert events[0].changes["créés"] == 1 and events[1].changes["inchangés"] == 1
    assert events[0].object_repr == "Import des lieux (lieux-v1-csv) : exemple-valide-schema-lieux.csv"


def test_a_changed_row_updates_its_site(tmp_path):
    run("lieux-v1-csv", EXAMPLE)
    changed = EXAMPLE.read_text(encoding="utf-8").replace("Anonymal", "Anonymal (nouveau nom)")
    report = run("lieux-v1-csv", write(tmp_path, "lieux.csv", changed))
    assert (report.created, report.updated) == (0, 1)
    assert Site.objects.get().name == "Anonymal (nouveau nom)"


def test_a_site_from_another_source_is_matched_by_pivot_and_address_and_keeps_its_identity(tmp_path):
    run("lieux-v1-csv", EXAMPLE)
    other = EXAMPLE.read_text(encoding="utf-8").replace('"structure-1"', '"autre-42"').replace('"Hubik"', '"Réseau"')
    other = other.replace("12 BIS RUE DE LECLERCQ", "12 bis rue de Leclercq")
    report = run("lieux-v1-csv", write(tmp_path, "autre.csv", other))
    assert (report.created, report.updated) == (0, 1)
    site = Site.objects.get()
    assert (site.source, site.source_id, site.address) == ("Hubik", "structure-1", "12 bis rue de Leclercq")
    assert run("lieux-v1-csv", write(tmp_path, "autre.csv", other)).unchanged == 1


def test_an_identifier_seen_twice_in_a_file_rejects_the_second_row(tmp_path):
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    report = run("lieux-v1-csv", write(tmp_path, "double.csv", "\n".join([*lines, lines[1]])))
    assert report.created == 1
    assert reasons(report) == {3: "Identifiant « structure-1 » déjà vu ligne 2 : ligne en double."}


def test_sites_link_to_the_structure_of_their_siret_now_and_on_later_imports():
    run("lieux-v1-csv", EXAMPLE)
    assert Site.objects.get().structure is None
    employer = structure(identifier="43493312300029")
    report = run("lieux-v1-csv", EXAMPLE)
    assert report.updated == 1 and Site.objects.get().structure == employer
    assert employer.sites.count() == 1
    assert run("lieux-v1-csv", EXAMPLE).unchanged == 1


# --- cnfs-v0-json -------------------------------------------------------------------------------------------

CNFS_RECORD = {
    "id": "62592a1d05457b0790816e6c",
    "nom": "Association l'espoir",
    "services": "Prendre en main un smartphone ou une tablette;Prendre en main un ordinateur;"
    "Approfondir ma culture numérique;Faire du café",
    "pivot": "00000000000000",
    "commune": "MARSEILLE 11",
    "code_postal": "13011",
    "adresse": "4 AV DE SAINT MENET",
    "latitude": 43.289439,
    "longitude": 5.496495,
    "courriel": "accueil@chrs-laselonne.fr",
    "telephone": "04 91 00 00 00",
    "site_web": "https://chrs-laselonne.fr",
    "prise_rdv": "https://www.rdv-aide-numerique.fr/?address=Marseille",
    "conditions_access": "Gratuit : Je peux accéder gratuitement au lieu et à ses services;Accepte le Pass numérique",
    "labels_nationaux": "CNFS;France Services;APTIC",
    "horaires": "Mo-Fr 9h-12h,14h-17h",
    "source": "conseiller-numerique",
    "date_maj": "2022-05-09",
    "structureId": "60994a7e838083d339a08e93",
    "aidants": [{"aidantId": "61c448f6838083d339c294a1"}],
}


def cnfs_file(tmp_path, records):
    return write(tmp_path, "cnfs.json", json.dumps(records, ensure_ascii=False))


def test_a_cnfs_v0_permanence_is_mapped_to_the_v1_schema(tmp_path):
    report = run("cnfs-v0-json", cnfs_file(tmp_path, [CNFS_RECORD]))
    assert (report.created, report.rejected) == (1, [])
    site = Site.objects.get()
    assert (site.commune.code, site.departement_id) == ("13211", "13")  # "MARSEILLE 11": the 11th arrondissement
    assert site.commune_name == "Marseille 11e Arrondissement" and site.pivot == ""
    assert site.services == ["Maîtrise des outils numériques du quotidien", "Compréhension du monde numérique"]
    assert site.national_programmes == ["Conseillers numériques", "France Services"]
    assert site.fees == ["Gratuit"]
    assert (site.phone, site.emails) == ("+33491000000", ["accueil@chrs-laselonne.fr"])
    assert site.websites == ["https://chrs-laselonne.fr"]
    assert site.booking_url == "https://www.rdv-aide-numerique.fr/?address=Marseille"
    assert site.opening_hours == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert (site.source, site.source_id, site.updated_on) == (
        "conseiller-numerique",
        "62592a1d05457b0790816e6c",
        datetime.date(2022, 5, 9),
    )
    warned = {problem.value for problem in report.warnings}
    assert {"Faire du café", "APTIC", "Accepte le Pass numérique"} <= warned


def test_cnfs_records_that_cannot_be_used_are_rejected_by_record_number(tmp_path):
    records = [
        CNFS_RECORD,
        "pas un objet",
        {**CNFS_RECORD, "id": "b", "nom": " "},
        {**CNFS_RECORD, "id": "c", "commune": "MJC couleur des liens", "code_postal": "07000"},
        {**CNFS_RECORD, "id": "d", "horaires": "Mo 08:22", "telephone": "12", "pivot": "77567267221138"},
    ]
    report = run("cnfs-v0-json", cnfs_file(tmp_path, records))
    assert report.total == 5 and report.created == 2
    problems = reasons(report)
    assert problems[2] == "Enregistrement qui n'est pas un objet JSON."
    assert problems[3] == "Nom manquant(e)."
    assert problems[4].startswith("Commune non reconnue : Aucune commune « MJC couleur des liens »")
    site = Site.objects.get(source_id="d")
    assert (site.opening_hours, site.phone, site.pivot) == ("", "", "")
    warned = [problem.reason for problem in report.warnings if problem.line == 5]
    assert any(reason.startswith("Horaires « Mo 08:22 » illisibles") for reason in warned)
    assert any(reason.startswith("Téléphone « 12 » non reconnu") for reason in warned)
    assert any(reason.startswith("SIRET « 77567267221138 » invalide") for reason in warned)


@pytest.mark.parametrize(
    ("commune", "postal_code", "expected", "note"),
    [
        ("Brive", "19100", "19031", "lu comme le nom abrégé de Brive-la-Gaillarde"),
        ("LOUHANS", "71500", "71263", "lu comme le nom abrégé de Louhans-Châteaurenaud"),
        ("KREMLIN-BICÊTRE", "94270", "94043", "lu comme le nom abrégé de Le Kremlin-Bicêtre"),
        ("CASTRES", "81700", "81065", "n'est pas desservie par le code postal 81700"),
        ("49350 GENNES-VAL-DE-LOIRE", "49350", "49261", ""),
        ("La Saline", "97422", "97415", "lu comme un lieu-dit de Saint-Paul, seule commune du code postal 97422"),
    ],
)
def test_shortened_names_localities_and_neighbouring_postal_codes_are_read_with_a_warning(
    tmp_path, commune, postal_code, expected, note
):
    report = run(
        "cnfs-v0-json", cnfs_file(tmp_path, [{**CNFS_RECORD, "commune": commune, "code_postal": postal_code}])
    )
    assert report.rejected == []
    assert Site.objects.get().commune.code == expected
    if note:
        assert any(note in problem.reason for problem in report.warnings)


def test_invalid_json_is_reported_not_raised(tmp_path):
    report = run("cnfs-v0-json", write(tmp_path, "cassé.json", '[{"id": 1,'))
    assert report.total == 0 and report.rejected[0].reason.startswith("JSON invalide")


def test_a_number_too_long_for_python_is_reported_not_raised(tmp_path):
    """Found by the fuzz test: json refuses integers of more than 4,300 digits with a plain ValueError."""
    report = run("cnfs-v0-json", write(tmp_path, "nombre.json", "1" * 4_301))
    assert report.total == 0 and "nombre y est trop long" in report.rejected[0].reason


# --- france-services-csv ------------------------------------------------------------------------------------

FS_ROWS = [
    '"1","69","France services de Lyon","1 place de la Comédie",,"69381","69001","Lyon",45.7675,4.8357,'
    '"lyon@france-services.gouv.fr","04 72 10 30 30","09:00 - 12:00 / 13:30 - 17:00","09:00 - 12:00 / 13:30 - 17:00",'
    '"09:00 - 12:00","09:00 - 12:00 / 13:30 - 17:00","09:00 - 12:00 / 13:30 - 16:00","-",'
    '"Sur rendez-vous le vendredi","Non","Site principal",,"Espace labellisé 01/01/2020"',
    '"2","60","Fresnes-LÃ©guillon",,,"60256","60240","Fresnes-LÃ©guillon",,,,,,,,,,,,"Non","Antenne",,',
    '"3","60","Bus France services","Place de la Mairie",,"60256","60240","Fresnes-LÃ©guillon",49.2,1.95,'
    '"bus@exemple.fr","06 02 59 50 57","09:00-12:00-14:00-17:00",,,,,,,"Oui","Site principal",,',
]


def test_the_france_services_list_imports_sites_labelled_france_services(tmp_path):
    path = write(tmp_path, "liste-fs-20221201.csv", "\ufeff" + "\n".join([FS_HEADER, *FS_ROWS]) + "\n")
    report = run("france-services-csv", path)
    assert (report.total, report.created) == (3, 2)
    assert reasons(report) == {3: "Adresse manquant(e)."}
    lyon = Site.objects.get(source="france-services", source_id="1")
    assert lyon.national_programmes == ["France Services"] and lyon.typology == ["RFS"]
    assert lyon.opening_hours == "Mo,Tu,Th 09:00-12:00,13:30-17:00; We 09:00-12:00; Fr 09:00-12:00,13:30-16:00"
    assert (lyon.mobility, lyon.phone, lyon.description) == (["Fixe"], "+33472103030", "Sur rendez-vous le vendredi")
    assert lyon.updated_on == datetime.date(2022, 12, 1)
    bus = Site.objects.get(source_id="3")
    assert bus.is_itinerant and bus.commune_name == "Montchevreuil" and bus.opening_hours == ""
    # The name was read back from its mojibake ("LÃ©guillon"); the INSEE code 60256 is now Montchevreuil's.
    assert any("« Fresnes-Léguillon »" in problem.reason for problem in report.warnings)
    assert any(problem.reason.startswith("Horaires du lundi") for problem in report.warnings)
    assert run("france-services-csv", path).unchanged == 2


def test_the_command_prints_every_rejected_line_and_the_summary(tmp_path):
    path = write(tmp_path, "lieux.csv", DIRTY_V1)
    out = io.StringIO()
    call_command("import_sites", "--format", "lieux-v1-csv", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f"ligne {line} rejetée : " in text
    assert "8 lignes lues : 1 à créer, 0 à mettre à jour, 0 inchangée, 7 rejetées" in text
    assert "Simulation (--dry-run) : aucune modification enregistrée." in text
    assert not Site.objects.exists()


def test_the_command_lists_warnings_at_verbosity_2(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "exemple.csv")
    out = io.StringIO()
    call_command("import_sites", "--format", "lieux-v1-csv", str(tmp_path / "exemple.csv"), "-v", "2", stdout=out)
    assert "1 ligne lue : 1 créée" in out.getvalue()


def test_pivot_siret_of_a_cnfs_record_links_its_structure(tmp_path):
    siret = luhn_siret()
    employer = structure(identifier=siret)
    run("cnfs-v0-json", cnfs_file(tmp_path, [{**CNFS_RECORD, "pivot": siret}]))
    assert Site.objects.get().structure == employer


def test_the_upload_page_analyses_then_imports_a_sites_file(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory(programme_team=True))
    upload = SimpleUploadedFile("lieux.csv", EXAMPLE.read_bytes())
    response = client.post(reverse("core:import_upload"), {"format": "lieux-v1-csv", "file": upload})
    assert response.status_code == 200 and "1 à créer" in response.content.decode()
    assert not Site.objects.exists()
    response = client.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    assert "1 créée" in response.content.decode()
    assert Site.objects.get().name == "Anonymal"


def test_an_import_never_removes_a_link_it_did_not_make(tmp_path):
    run("cnfs-v0-json", cnfs_file(tmp_path, [CNFS_RECORD]))
    employer = structure(identifier="")
    Site.objects.update(structure=employer)  # linked elsewhere, e.g. by the export's structureId
    report = run("cnfs-v0-json", cnfs_file(tmp_path, [CNFS_RECORD]))
    assert (report.updated, report.unchanged) == (0, 1)
    assert Site.objects.get().structure == employer


@pytest.mark.parametrize(
    ("name", "problem"),
    [("11 bis", "c'est un numéro, pas un nom"), ("1", "c'est un numéro, pas un nom")]
    + [("265 901 785", "c'est un numéro SIRET ou SIREN")],
)
def test_a_cnfs_site_named_by_a_number_takes_its_structure_name_and_commune_with_a_warning(tmp_path, name, problem):
    siret = luhn_siret()
    structure(identifier=siret, name="Centre social La Rose")
    record = {**CNFS_RECORD, "nom": name, "pivot": siret}
    report = run("cnfs-v0-json", cnfs_file(tmp_path, [record, {**CNFS_RECORD, "id": "2", "nom": name}]))
    names = dict(Site.objects.values_list("source_id", "name"))
    assert names == {
        CNFS_RECORD["id"]: "Centre social La Rose — Marseille 11e Arrondissement",
        "2": "Lieu d'activité — Marseille 11e Arrondissement",
    }
    assert [(w.line, w.reason) for w in report.warnings if w.value == name] == [
        (1, f"Nom « {name} » : {problem} ; remplacé par « Centre social La Rose — Marseille 11e Arrondissement »."),
        (2, f"Nom « {name} » : {problem} ; remplacé par « Lieu d'activité — Marseille 11e Arrondissement »."),
    ]


def test_a_site_named_by_its_structure_siret_takes_that_structure_name(tmp_path):
    siret = luhn_siret()
    structure(identifier=siret, name="Commune de Lorient")
    run("cnfs-v0-json", cnfs_file(tmp_path, [{**CNFS_RECORD, "nom": siret}]))
    assert Site.objects.get().name == "Commune de Lorient — Marseille 11e Arrondissement"
