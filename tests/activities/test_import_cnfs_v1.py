import pytest

from cnum.activities.importers.cnfs_v1 import PLACEHOLDER_FIRST_NAME
from cnum.activities.models import Activity
from cnum.advisors.models import Advisor
from cnum.core.imports import run_import
from cnum.structures.models import Structure
from tests.sites.factories import SiteFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "id,imported_at,canal,activite,nb_participants,nb_participants_recurrents,age_moins_12_ans,age_de_12_a_18_ans,"
    "age_de_18_a_35_ans,age_de_35_a_60_ans,age_plus_60_ans,statut_etudiant,statut_sans_emploi,statut_en_emploi,"
    "statut_retraite,statut_heterogene,themes,sous_themes_sante,duree,accompagnement_individuel,"
    "accompagnement_atelier,accompagnement_redirection,code_postal,nom_commune,date_accompagnement,code_commune,"
    "created_at,structure_id,structure_id_pg,structure_type,structure_statut,structure_nom,structure_siret,"
    "structure_code_postal,structure_nom_commune,structure_code_commune,structure_code_dep,extra_1,extra_2"
)


def v1_row(id_, *, canal="distance", activite="individuel", n="1", rec="0", themes='"{internet,courriel}"', **kw):
    values = {
        "age_de_18_a_35_ans": "1",
        "statut_en_emploi": "1",
        "duree": "0-30",
        "structure_id": "s1",
        "structure_type": "PRIVATE",
        "structure_nom": "Asso du quartier",
        "structure_siret": "null",
        **kw,
    }
    cells = {
        "id": id_,
        "canal": canal,
        "activite": activite,
        "nb_participants": n,
        "nb_participants_recurrents": rec,
        "themes": themes,
        "date_accompagnement": "2022-03-15 10:00:00+00",
        **values,
    }
    columns = HEADER.split(",")
    return ",".join(cells.get(column, "null") for column in columns)


def write(tmp_path, *rows):
    path = tmp_path / "v1.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_v1_rows_are_mapped(tmp_path):
    path = write(
        tmp_path,
        v1_row("1"),
        v1_row(
            "2", activite="collectif", n="6", rec="2", duree="90", age_moins_12_ans="2", accompagnement_redirection="1"
        ),
        v1_row("3", themes='"{internet,astrologie}"', extra_1="ignored"),
    )
    report = run_import(format_name="cnfs-v1-csv", path=path, dry_run=False)
    assert report.rejected == [] and report.created == 3
    individual = Activity.objects.get(source_id="1")
    assert individual.themes == ["navigation_sur_internet", "email"] and individual.duration_minutes == 15
    assert individual.place_type == "a_distance" and "18_a_35" in individual.notes
    person = individual.accompaniments.get().beneficiary
    assert (person.age_bracket, person.social_status) == ("non_communique", "en_emploi")
    collective = Activity.objects.get(source_id="2")
    assert (collective.anonymous_participants, collective.anonymous_first_time, collective.duration_minutes) == (
        6,
        4,
        90,
    )
    assert collective.redirection_category == "autre"
    assert any("astrologie" in w.reason for w in report.warnings)


def test_unknown_structure_is_created_with_one_placeholder_advisor(tmp_path):
    path = write(tmp_path, v1_row("1"), v1_row("2"))
    report = run_import(format_name="cnfs-v1-csv", path=path, dry_run=False)
    structure = Structure.objects.get(source="cnfs-v1", source_id="s1")
    assert structure.type == "private" and report.created == 2
    advisor = Advisor.objects.get(first_name=PLACEHOLDER_FIRST_NAME)
    assert advisor.email.endswith("@import.invalid") and set(Activity.objects.values_list("advisor", flat=True)) == {
        advisor.pk
    }


def test_rattachement_uses_the_structure_site(tmp_path):
    structure = StructureFactory(identifier="", name="Mairie")
    structure.source, structure.source_id = "cnfs-v1", "s9"
    structure.save()
    site = SiteFactory(structure=structure)
    path = write(tmp_path, v1_row("1", canal="rattachement", structure_id="s9"))
    run_import(format_name="cnfs-v1-csv", path=path, dry_run=False)
    assert Activity.objects.get().site == site


def test_bad_rows_are_reported_precisely_and_reimport_is_idempotent(tmp_path):
    path = write(
        tmp_path,
        v1_row("1"),
        v1_row("2", themes='"{astrologie}"'),
        v1_row("3", canal="lune", n="null"),
    )
    report = run_import(format_name="cnfs-v1-csv", path=path, dry_run=False)
    reasons = {p.line: p.reason for p in report.rejected}
    assert "astrologie" in reasons[3] and "canal « lune »" in reasons[4]
    assert Activity.objects.count() == 0
    run_import(format_name="cnfs-v1-csv", path=path, dry_run=False, allow_partial=True)
    again = run_import(format_name="cnfs-v1-csv", path=path, dry_run=False, allow_partial=True)
    assert (again.created, again.unchanged, Activity.objects.count()) == (0, 1, 1)
    assert not [warning for warning in again.warnings if "déjà importée" in warning.reason]


def test_rows_sharing_their_texts_each_get_their_own_warnings_and_reasons(tmp_path):
    """The type, counts, place and themes of a row are parsed once per distinct text (RowParser's caches): every row
    still gets the warnings and reasons its own texts call for, at its own line, and a row after a rejected one of
    the same texts is read alike."""
    shared = {"n": "2", "rec": "5", "themes": '"{internet,astrologie}"', "code_commune": "99999"}
    path = write(
        tmp_path,
        v1_row("1", **shared),
        v1_row("2", **shared),
        v1_row("3", **shared, date_accompagnement="hier"),
        v1_row("4", **shared),
        v1_row("5", n="1.5"),
        v1_row("6", n="1.5"),
    )
    report = run_import(format_name="cnfs-v1-csv", path=path, dry_run=False, allow_partial=True)
    warned = {}
    for warning in report.warnings:
        warned.setdefault(warning.line, []).append(warning.reason)
    for line in (2, 3, 5):
        assert any("astrologie" in reason for reason in warned[line]), line
        assert "5 participants récurrents pour 2 : ramené à 2." in warned[line]
        assert "Accompagnement individuel à 2 participants : importé en collectif." in warned[line]
    assert not any("ramené" in reason for reason in warned.get(4, []))  # rejected: its date
    reasons = {problem.line: problem.reason for problem in report.rejected}
    assert set(reasons) == {4, 6, 7} and "hier" in reasons[4]
    assert reasons[6] == reasons[7] == "nb_participants « 1.5 » : un nombre entier entre 0 et 100 est attendu."
    workshops = Activity.objects.filter(source_id__in=["1", "2", "4"])
    assert [(a.type, a.anonymous_participants, a.anonymous_first_time) for a in workshops] == [("collectif", 2, 0)] * 3


def test_one_place_named_in_other_words_is_held_once():
    """The place of a row is kept per distinct texts naming it (RowParser's caches); texts naming the same place
    share its fields (a history names a few thousand places in hundreds of thousands of combinations)."""
    import csv

    from cnum.activities.enums import PlaceType
    from cnum.activities.importers.cnfs_v1 import RowParser
    from cnum.activities.importers.pipeline import ActivityImportReport
    from cnum.activities.importers.reading import header_columns

    parser = RowParser(header_columns(HEADER.split(","), {}), ActivityImportReport(format="cnfs-v1-csv"))
    spellings = ["distance", "Distance", "a distance"]
    rows = csv.reader([v1_row(str(n), canal=canal) for n, canal in enumerate(spellings)])
    drafts = [parser(line, cells) for line, cells in enumerate(rows, start=2)]
    assert len(parser.places) == len(spellings)
    assert len({id(found) for found in parser.places.values()}) == 1
    assert {draft.values["place_type"] for draft in drafts} == {PlaceType.REMOTE}
