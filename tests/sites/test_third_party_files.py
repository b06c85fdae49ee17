"""csv-auto on third-party files as they really come: the real extracts of tests/sites/data (provenance in its
README) and small files of the same shapes."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from cnum.core import imports
from cnum.sites.importers import mapping
from cnum.sites.importers.files import UnreadableFile
from cnum.sites.models import Site
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.usefixtures("cog")
DATA = Path(__file__).parent / "data"
PACA, BFC, ULTRA_NUM = (
    DATA / "paca-regionsud-2022-extract.csv",
    DATA / "bfc-ternum-extract.csv",
    DATA / "ultra-num-reunion-extract.csv",
)


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_sites", "--format", "csv-auto", *map(str, args), "-v", "2", stdout=out)
    return out.getvalue()


def run(path, **options):
    return imports.run_import(format_name="csv-auto", path=path, dry_run=options.pop("dry_run", False), **options)


def write(tmp_path, text, *, name="lieux.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. composed fields --------------------------------------------------------------------------------------


def test_a_split_address_is_composed_by_the_guess_and_keeps_its_street_number():
    output = command(PACA, "--source", "region-sud")
    assert "adresse composé de « adresse_numero » + « adresse_rue »." in output
    assert Site.objects.get(source="region-sud", address="66 boulevard gassendi").commune.code == "04070"
    assert Site.objects.filter(source="region-sud", address="rue pierre magnan").exists()  # no number: the street


def test_address_parts_are_put_in_order_whatever_the_order_of_the_columns(tmp_path):
    path = write(
        tmp_path,
        "nom;voie;type_voie;numero;indice_repetition;cp;ville\nMairie;de la Paix;rue;12;bis;75002;Paris\n",
    )
    run(path)
    assert Site.objects.get().address == "12 bis rue de la Paix"


def test_several_phone_columns_give_one_phone_and_the_other_is_noted():
    report = run(ULTRA_NUM, dry_run=True)
    assert "telephone composé de « Fixe » + « Mobile »." in report.file_notes
    left_out = [
        problem for problem in report.normalised if "non repris : le schéma n'en garde qu'un" in problem.reason
    ]
    assert [problem.line for problem in left_out] == [5]


def test_one_column_of_coordinates_gives_latitude_and_longitude(tmp_path):
    path = write(
        tmp_path,
        "nom,adresse,code postal,ville,Coordonnées GPS\n"
        'Médiathèque,54 route de Champtercier,04000,Digne-les-Bains,"44.080758, 6.175392"\n'
        'Mairie,2 place de l\'Hôtel de Ville,04000,Digne-les-Bains,"44,0921 ; 6,2352"\n',
    )
    report = run(path)
    assert "« Coordonnées GPS » → coordonnees" in report.file_notes[1]
    assert sorted(Site.objects.values_list("latitude", "longitude")) == [(44.080758, 6.175392), (44.0921, 6.2352)]


def test_the_mapping_file_expresses_a_composition(tmp_path):
    path = write(tmp_path, "Lieu;N°;Voie;Mail 1;Mail 2;CP;Ville\nMairie;3;rue Haute;a@b.fr;c@d.fr;04000;Digne\n")
    given = tmp_path / "correspondance.json"
    given.write_text(
        json.dumps({"Lieu": "nom", "N°": "adresse", "Voie": "adresse", "Mail 1": "courriels", "Mail 2": "courriels"})
    )
    run(path, mapping_file=given)
    site = Site.objects.get()
    assert (site.address, site.emails) == ("3 rue Haute", ["a@b.fr", "c@d.fr"])


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a": ' + "9" * 5_000 + "}", "{pas du JSON"])
def test_an_unreadable_mapping_file_is_a_french_error(tmp_path, text):
    """Nested deeper than Python's stack, a number too long to read, invalid JSON: refused, never a crash."""
    given = tmp_path / "correspondance.json"
    given.write_text(text)
    with pytest.raises(UnreadableFile, match="Fichier de correspondance illisible"):
        mapping.read_mapping_file(given)


def test_two_columns_for_a_column_that_is_not_composed_are_still_refused():
    problems = mapping.problems({"a": "nom", "b": "nom", "c": "adresse", "d": "adresse", "e": "code_postal"})
    assert problems == [
        "Plusieurs colonnes du fichier vont dans « nom » : une seule est possible.",
    ]


# --- 2. a missing field is looked for, never a reason to refuse the file unasked ------------------------------


def test_a_required_field_the_header_does_not_name_is_taken_from_the_column_that_holds_it(tmp_path):
    path = write(tmp_path, "Structure;Où;Code;Ville\nMédiathèque;12 rue Haute;4000;DIGNE-LES-BAINS\n")
    report = run(path)
    notes = " ".join(report.file_notes)
    assert "Aucune colonne nommée « adresse » : « Où » (100 % des valeurs s'y prêtent) retenue" in notes
    assert "Aucune colonne nommée « code postal » : « Code » (100 % des valeurs s'y prêtent) retenue" in notes
    site = Site.objects.get()
    assert (site.name, site.address, site.postal_code, site.commune.code) == (
        "Médiathèque",
        "12 rue Haute",
        "04000",
        "04070",
    )


def test_a_mapping_chosen_without_a_required_field_imports_nothing_and_names_the_candidates(tmp_path):
    path = write(tmp_path, "Lieu;Où;CP;Ville\nMédiathèque;12 rue Haute;04000;Digne-les-Bains\n")
    given = tmp_path / "correspondance.json"
    given.write_text(json.dumps({"Lieu": "nom", "Où": None}))
    report = run(path, mapping_file=given)
    assert [problem.reason for problem in report.rejected] == [
        "Correspondance des colonnes : Aucune colonne ne fournit « adresse ». Colonnes qui pourraient la fournir : "
        "« Où » (100 % des valeurs s'y prêtent). Choisissez-en une : rien n'est importé sans adresse."
    ]
    assert not Site.objects.exists()


def test_without_commune_nor_insee_code_the_postal_code_gives_the_commune(tmp_path):
    path = write(tmp_path, "nom;adresse;cp\nMédiathèque;12 rue Haute;75002\nMairie;1 place;04200\n")
    report = run(path)
    assert "la commune est déduite du code postal" in " ".join(report.file_notes)
    assert list(Site.objects.values_list("commune__code", flat=True)) == ["75102"]
    assert "Le code postal 04200 dessert" in report.rejected[0].reason


# --- 3. values in words ---------------------------------------------------------------------------------------


def test_site_types_and_labels_in_words_are_matched_to_the_schema_and_the_unmatched_reported():
    report = run(PACA, source="region-sud")
    notes = "\n".join(report.file_notes)
    assert "« Tiers-lieu / Coworking / FabLab / Hackerspace » → TIERS_LIEUX (synonyme, 7 lignes)" in notes
    assert "« SUD LABS » → SUD LABS (PACA) (synonyme, 7 lignes)" in notes
    assert "dispositif_programmes_nationaux « APTIC »" in notes.split("Valeurs non reconnues, non reprises")[1]
    croix_rouge = Site.objects.get(source="region-sud", address="18 rue aubin")
    assert croix_rouge.typology == ["ASSO"]
    diniapolis = Site.objects.get(source="region-sud", address="1 boulevard victor")
    assert (diniapolis.typology, diniapolis.training_labels) == (
        ["TIERS_LIEUX"],
        ["SUD LABS (PACA)", "Fabriques de Territoire"],
    )
    assert Site.objects.get(source="region-sud", address="12 avenue demontzey").national_programmes == [
        "France Services"
    ]


def test_values_chosen_in_the_mapping_file_are_remembered_for_the_source(tmp_path):
    path = write(tmp_path, "nom;adresse;cp;ville;type\nPoste;1 place;04150;Banon;La Poste\n")
    given = tmp_path / "correspondance.json"
    given.write_text(json.dumps({"colonnes": {"type": "typologie"}, "valeurs": {"typologie": {"La Poste": "RFS"}}}))
    run(path, source="hub-04", mapping_file=given)
    assert Site.objects.get().typology == ["RFS"]
    again = run(
        write(tmp_path, "nom;adresse;cp;ville;type\nPoste 2;2 place;04150;Banon;La Poste\n", name="b.csv"),
        source="hub-04",
    )
    assert "« La Poste » → RFS (choix enregistré, 1 ligne)" in "\n".join(again.file_notes)
    assert Site.objects.get(name="Poste 2").typology == ["RFS"]


def test_a_value_close_to_one_only_is_taken_and_said_and_nothing_is_guessed_between_two(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;cp;ville;modalites_acces\nA;1 place;75002;Paris;Se presentr\nB;2 place;75002;Paris;Télépho\n",
    )
    report = run(path)
    assert "« Se presentr » → Se présenter (valeur approchante, 1 ligne)" in "\n".join(report.file_notes)
    assert Site.objects.get(name="A").access_modes == ["Se présenter"]


# --- 4. damaged text ------------------------------------------------------------------------------------------


def test_characters_lost_as_u_fffd_are_restored_where_one_french_word_fits_and_each_repair_is_listed():
    report = run(PACA, source="region-sud")
    notes = [problem.reason for problem in report.normalised if problem.line == 4]
    assert "nom : caractère perdu restauré, « D�partementale » → « Départementale »." in notes
    assert Site.objects.get(source="region-sud", address="66 boulevard gassendi").name == (
        "Chambre Départementale Agric des Alpes de Haute Provence"
    )
    assert Site.objects.get(source="region-sud", address="2 ème étage foyer rural").typology == ["BIB"]
    assert Site.objects.get(source="region-sud", address="4 avenue des lauzières").commune_name == (
        "Château-Arnoux-Saint-Auban"
    )
    assert report.repairs >= 200
    # "-i�re" can only be "-ière" in French spelling; a proper name no lexicon knows stays as it is, flagged.
    assert Site.objects.get(source="region-sud", commune__code="04161").address.startswith("la fresquière")
    assert report.still_damaged == 1
    assert Site.objects.get(source="region-sud", name="Médiathèque d'Herb�s").review_notes


def test_nothing_is_guessed_where_two_words_fit(tmp_path):
    path = write(tmp_path, "nom;adresse;cp;ville\nEspace Pr\ufffds de la gare;1 place;75002;Paris\n")
    report = run(path)
    assert "nom : « Pr\ufffds » non restauré, plusieurs mots possibles (près, prés)." in [
        problem.reason for problem in report.normalised
    ]
    assert Site.objects.get().name == "Espace Pr\ufffds de la gare"
    assert report.still_damaged == 1


def test_mojibake_even_twice_over_is_undone_by_ftfy(tmp_path):
    path = write(
        tmp_path, "nom;adresse;cp;ville\nMÃƒÂ©diathÃƒÂ¨que;1 place;75002;Paris\nMÃ©diathÃ¨que 2;2 place;75002;Paris\n"
    )
    report = run(path)
    assert sorted(Site.objects.values_list("name", flat=True)) == ["Médiathèque", "Médiathèque 2"]
    assert report.repairs == 2


# --- 5. communes found anyway ---------------------------------------------------------------------------------


def test_communes_with_typos_lost_accents_and_former_names_are_found_and_the_choice_said():
    report = run(PACA, source="region-sud")
    assert report.rejected == [] and report.created == 80
    warnings = {problem.line: problem.reason for problem in report.warnings if problem.reason.startswith("Commune")}
    assert "La Bréole est une commune déléguée, rattachée à la commune Ubaye-Serre-Ponçon (04033)" in warnings[67]
    assert Site.objects.get(source="region-sud", address="23 rue des écoles").commune.code == "04063"


def test_the_national_export_s_typos_are_read_as_the_closest_commune(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;code_postal;commune\n"
        "France Services;1 place;43700;QAINT GERMAIN LAPRADE\n"
        'Médiathèque;2 rue;91360;"Villemo\nison-sur-orge"\n',
    )
    report = run(path)
    assert sorted(Site.objects.values_list("commune__code", flat=True)) == ["43190", "91667"]
    assert any("lu comme Saint-Germain-Laprade (43190)" in problem.reason for problem in report.warnings)


# --- 6. names that are not names ------------------------------------------------------------------------------


def test_names_that_are_not_names_are_rebuilt_from_the_structure_or_the_type_and_flagged(tmp_path):
    path = write(
        tmp_path,
        "nom;structure_porteuse;type_lieu;adresse;cp;ville\n"
        "11 bis;;Centre social;11 bis rue Haute;04100;Manosque\n"
        "356 000 000 00048;La Poste;;1 place;04150;Banon\n"
        ";Mairie de Volx;;2 place;04130;Volx\n"
        "OSE APPRENDRE A ENTREPRENDRE;;;3 rue;04100;Manosque\n"
        "42;;;4 rue;04100;Manosque\n",
    )
    report = run(path)
    names = dict(Site.objects.values_list("address", "name"))
    assert names["11 bis rue Haute"] == "Centre social — Manosque"
    assert names["1 place"] == "La Poste — Banon"
    assert names["2 place"] == "Mairie de Volx — Volx"
    assert names["3 rue"] == "OSE APPRENDRE A ENTREPRENDRE"
    warnings = {problem.line: problem.reason for problem in report.warnings}
    assert (
        warnings[2]
        == "Nom « 11 bis » : c'est un numéro, pas un nom ; remplacé par « Centre social — Manosque ». À vérifier."
    )
    assert warnings[3].startswith("Nom « 356 000 000 00048 » : c'est un numéro SIRET ou SIREN")
    assert warnings[5].startswith("Nom « OSE APPRENDRE A ENTREPRENDRE » tout en capitales")
    assert report.rejected[0].line == 6 and report.rejected[0].reason.startswith("Nom manquant : « 42 »")


# --- the acceptance: a real regional file goes in through the command, without a mapping -----------------


def test_the_real_regional_file_goes_in_without_a_mapping_in_the_right_communes_with_numbers_and_types():
    output = command(PACA, "--source", "region-sud")
    assert "80 lignes lues : 80 créées" in output
    with PACA.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    sites = list(Site.objects.filter(source="region-sud").select_related("commune"))
    assert len(sites) == len(rows) == 80
    assert all(site.departement_id == "04" for site in sites)
    given_insee = {row["adresse_code_insee"] for row in rows if row["adresse_code_insee"]}
    assert given_insee <= {site.commune.code.lstrip("0") for site in sites}
    numbered = sum(bool(row["adresse_numero"].strip()) for row in rows)
    assert sum(site.address[:1].isdigit() for site in sites) == numbered
    assert all(site.typology for site in sites)
    damaged = [site for site in sites if "\ufffd" in site.name or "\ufffd" in site.address]
    assert len(damaged) == 1  # a proper name no lexicon knows, flagged for review
    assert "ligne 19 : Nom « Médiathèque d'Herb\ufffds » : caractère illisible" in output


def test_the_other_real_files_go_in_whole():
    assert "23 lignes lues : 23 créées, 0 mise à jour, 0 inchangée, 0 rejetée" in command(BFC, "--source", "bfc")
    assert "7 lignes lues : 7 créées, 0 mise à jour, 0 inchangée, 0 rejetée" in command(ULTRA_NUM, "--source", "un")


def test_services_and_publics_in_words_are_listed_per_distinct_value_and_decisions_remembered_per_source(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;cp;ville;services;public_cible\n"
        "Espace;1 place;04000;Digne-les-Bains;Accès internet, ateliers numériques;tout public\n"
        "Club;2 place;04000;Digne-les-Bains;ateliers numériques;Seniors\n",
    )
    report = run(path, dry_run=True)
    assert report.vocabulary["services"]["ateliers numériques"] == {
        "value": None,
        "how": "inconnu",
        "rows": 2,
        "candidates": [],
    }
    assert report.vocabulary["services"]["Accès internet"]["value"] == "Accès internet et matériel informatique"
    assert report.vocabulary["publics_specifiquement_adresses"]["tout public"]["how"] == "tout_public"
    lines = " ".join(report.file_notes)
    assert "« Accès internet » → Accès internet et matériel informatique (mots-clés, 1 ligne)" in lines
    assert "Valeurs non reconnues, non reprises : services « ateliers numériques »." in lines
    decided = {"services": {"ateliers numériques": ["Maîtrise des outils numériques du quotidien"]}}
    run(path, source="hub-04", values=decided)
    assert Site.objects.get(name="Club").services == ["Maîtrise des outils numériques du quotidien"]
    Site.objects.all().delete()
    again = run(path, source="hub-04")  # the source's saved decision is used again
    assert Site.objects.get(name="Club").services == ["Maîtrise des outils numériques du quotidien"]
    assert again.vocabulary["services"]["ateliers numériques"]["how"] == "choisi"


def test_a_decision_outside_the_list_is_refused_with_a_warning(tmp_path):
    path = write(tmp_path, "nom;adresse;cp;ville;services\nClub;2 place;04000;Digne-les-Bains;ateliers\n")
    report = run(path, values={"services": {"ateliers": ["Pas un service"]}})
    assert Site.objects.get().services == []
    assert "Choix « Pas un service » pour « ateliers » : pas une valeur de « services »." in [
        problem.reason for problem in report.warnings
    ]


def test_a_word_seen_intact_elsewhere_in_the_file_restores_the_damaged_one_and_the_repair_says_so(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;cp;ville;description\n"
        "Médiathèque d'Herb\ufffds;rue du mont d'or;04100;Manosque;\n"
        "Centre social;1 place;04100;Manosque;Quartier des Herbès\n",
    )
    report = run(path)
    assert Site.objects.get(address="rue du mont d'or").name == "Médiathèque d'Herbès"
    assert (
        "nom : caractère perdu restauré, « Herb\ufffds » → « Herbès » (mot écrit intact ailleurs dans le fichier)."
        in [problem.reason for problem in report.normalised]
    )
    assert report.still_damaged == 0


def test_two_words_of_the_file_that_fit_leave_the_text_as_it_is(tmp_path):
    path = write(
        tmp_path,
        "nom;adresse;cp;ville;description\nEspace Pr\ufffds;1 place;75002;Paris;près de la gare, dans les prés\n",
    )
    report = run(path)
    assert Site.objects.get().name == "Espace Pr\ufffds"
    assert report.still_damaged == 1


def test_the_names_of_the_structures_restore_proper_names(tmp_path):
    StructureFactory(name="Centre social La Fresquière")
    path = write(
        tmp_path,
        "nom;adresse;cp;ville\nBibliothèque;la fresqui\ufffdre - place du souvenir;04340;Méolans-Revel\n",
    )
    report = run(path)
    assert Site.objects.get(name="Bibliothèque").address == "la fresquière - place du souvenir"
    reasons = [problem.reason for problem in report.normalised]
    assert "adresse : caractère perdu restauré, « fresqui\ufffdre » → « fresquière » (nom d'une structure)." in reasons
    assert report.still_damaged == 0


# --- damaged text: what the whole regional file taught -------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("Points Num\ufffdriques de l\ufffdarrondissement", "Points Numériques de l\u2019arrondissement"),
        ("Acc\ufffds libre", "Accès libre"),  # "accés" is a misspelling of "accès", 100 times rarer
        ("Mediath\ufffdque Les Quatre-Chemins", "Mediathèque Les Quatre-Chemins"),  # other accents left as written
        ("rue de l'escouli\ufffdre", "rue de l'escoulière"),  # "-i�re" can only be "-ière"
    ],
)
def test_apostrophes_misspellings_unaccented_words_and_spelling_restore_lost_characters(tmp_path, damaged, repaired):
    path = write(tmp_path, f"nom;adresse;cp;ville\n{damaged};{damaged};04000;Digne-les-Bains\n")
    report = run(path)
    site = Site.objects.get()
    assert (site.name, site.address) == (repaired, repaired)
    assert report.still_damaged == 0


@pytest.mark.parametrize(
    ("damaged", "repaired", "note"),
    [
        # a place name no dictionary knows, written intact in a national list of sites (Veynes, France Services)
        (
            "La M\ufffdreti\ufffdre",
            "La Mèretière",
            "« M\ufffdreti\ufffdre » → « Mèretière » (mot d'un nom ou d'une adresse des listes nationales de lieux)",
        ),
        # spaces written as non-breaking ones, not ASCII, lost like the accents: "�" after a known word is a space
        (
            "4 rue\ufffdsainte\ufffdr\ufffdparate",
            "4 rue sainte réparate",
            "« rue\ufffdsainte\ufffdr\ufffdparate » → « rue sainte réparate » (espaces insécables perdues",
        ),
        # one character of two or three bytes in UTF-8 lost as two or three "�"
        ("Biblioth\ufffd\ufffdque", "Bibliothèque", "« Biblioth\ufffd\ufffdque » → « Bibliothèque »."),
        ("Maison de la R\ufffd\ufffdgion", "Maison de la Région", "« R\ufffd\ufffdgion » → « Région »."),
        ("l\ufffd\ufffd\ufffdarrondissement", "l\u2019arrondissement", "→ « l\u2019arrondissement »."),
        # capitals, hyphens and apostrophes
        ("SAINT-\ufffdTIENNE", "SAINT-ÉTIENNE", "« \ufffdTIENNE » → « ÉTIENNE »."),
        ("place de l'\ufffdglise", "place de l'église", "« \ufffdglise » → « église »."),
    ],
)
def test_place_names_of_the_national_lists_lost_spaces_and_characters_of_several_bytes_are_restored(
    tmp_path, damaged, repaired, note
):
    path = write(tmp_path, f"nom;adresse;cp;ville\nMédiathèque;{damaged};04000;Digne-les-Bains\n")
    report = run(path)
    assert Site.objects.get().address == repaired
    assert any(note in problem.reason for problem in report.normalised if problem.reason.startswith("adresse :"))
    assert report.still_damaged == 0


@pytest.mark.parametrize(
    ("damaged", "note"),
    [
        # "crèvecoeur" among wordfreq's rarer words, "crévecoeur" in a national list: two words fit
        (
            "chemin de Cr\ufffdvecoeur",
            "« Cr\ufffdvecoeur » non restauré, plusieurs mots possibles (crèvecoeur, crévecoeur)",
        ),
        # "part" and "gal" are words, but a value with ordinary spaces did not lose them: "part gal" is no reading
        ("rue du part\ufffdgal", "« part\ufffdgal » non restauré, aucun mot français connu"),
        # two lost characters ("c’" elided, "œ") or one of two bytes ("œ"): both readings give a word
        ("place du C\ufffd\ufffdur", "« C\ufffd\ufffdur » non restauré, plusieurs mots possibles (C\u2019œur, Cœur)"),
    ],
)
def test_two_words_of_the_lists_or_a_space_in_a_spaced_value_are_not_guessed(tmp_path, damaged, note):
    path = write(tmp_path, f"nom;adresse;cp;ville\nMédiathèque;{damaged};04000;Digne-les-Bains\n")
    report = run(path)
    assert Site.objects.get().address == damaged
    assert any(note in problem.reason for problem in report.normalised)
    assert report.still_damaged == 1


@pytest.mark.parametrize("damaged", ["Coworking By Adezio\ufffd", "Espace \ufffdv\ufffdnements"])
def test_a_lost_last_character_or_two_accepted_spellings_are_not_guessed(tmp_path, damaged):
    path = write(tmp_path, f"nom;adresse;cp;ville\n{damaged};1 place;04000;Digne-les-Bains\n")
    report = run(path)
    assert Site.objects.get().name == damaged
    assert report.still_damaged == 1


@pytest.mark.parametrize(
    ("name", "web", "repaired", "note"),
    [
        # four words fit "P�le"; the row's own web address writes one of them, without its accent
        (
            "P\ufffdle Culturel Camille Claudel",
            "https://www.sorgues.fr/actualites/pole-culturel-un-acces",
            "Pôle Culturel Camille Claudel",
            "« P\ufffdle » → « Pôle » (mot que l'adresse web ou électronique de la ligne écrit sans accent).",
        ),
        # the address writes the word, glued to the one before it, with no letter after it: the lost one was a sign
        (
            "Coworking By Adezio\ufffd- Cavaillon",
            "http://www.coworkingbyadezio.fr/",
            "Coworking By Adezio- Cavaillon",
            "« Adezio\ufffd » → « Adezio » (signe perdu retiré",
        ),
    ],
)
def test_the_rows_own_web_address_decides_a_word_or_shows_a_lost_sign(tmp_path, name, web, repaired, note):
    path = write(tmp_path, f"nom;adresse;cp;ville;site_web\n{name};1 place;04000;Digne-les-Bains;{web}\n")
    report = run(path)
    assert Site.objects.get().name == repaired
    assert any(note in problem.reason for problem in report.normalised if problem.reason.startswith("nom :"))
    assert report.still_damaged == 0


@pytest.mark.parametrize(
    ("name", "web"),
    [
        ("P\ufffdle Culturel", "https://www.pale-pole.fr"),  # two of the words that fit written
        ("Coworking By Adezio\ufffd", "https://www.xadezio.fr"),  # the word inside another word
        ("Adezio\ufffd", "https://www.xadezio.fr"),  # the same, no word before it
        ("Coworking By Adezio\ufffd", "https://www.adezio.fr/adezioe"),  # a letter after it too: an é lost?
        ("Espace Caf\ufffd", "https://www.caf.fr"),  # too short to tell, and "café" fits anyway
    ],
)
def test_a_web_address_that_does_not_decide_leaves_the_text_as_it_is(tmp_path, name, web):
    path = write(tmp_path, f"nom;adresse;cp;ville;site_web\n{name};1 place;04000;Digne-les-Bains;{web}\n")
    run(path)
    assert Site.objects.get().name == (name.replace("\ufffd", "é") if "Caf" in name else name)


@pytest.mark.parametrize(
    ("commune", "postal_code", "found"),
    [
        ("LE LUC-EN-PROVENCE", "83340", "83073"),  # a commune's name followed by more: Le Luc
        ("ISOLA2000", "06420", "06073"),
        ("PLAN-DU-VAR-LEVENS", "6075", "06075"),  # the INSEE code of Levens in the postal-code column
    ],
)
def test_communes_named_with_a_locality_or_under_their_insee_code_are_found_with_a_warning(
    tmp_path, commune, postal_code, found
):
    path = write(tmp_path, f"nom;adresse;cp;ville\nMédiathèque;1 place;{postal_code};{commune}\n")
    report = run(path)
    assert Site.objects.get().commune.code == found
    assert any(found in problem.reason or commune in problem.reason for problem in report.warnings)
