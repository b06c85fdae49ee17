"""Followed people in and out (issue #21, deliverable 5): the import from the template (analysis, then confirmation,
all or nothing), the export, and the duplicates screen that explains and merges."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cnum.activities import services
from cnum.activities.importers import beneficiaries as people_file
from cnum.activities.models import Accompaniment, Beneficiary
from tests.activities.factories import ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory

pytestmark = pytest.mark.django_db
HEADER = "nom;prenom;date_consentement;annee_naissance;telephone;courriel"


def upload(client, text: str, name="personnes.csv"):
    content = text.encode("utf-8")
    return client.post(reverse("activities:beneficiary_import"), {"file": SimpleUploadedFile(name, content)})


def confirm(client, response, **extra):
    return client.post(reverse("activities:beneficiary_import_confirm"), {"token": response.context["token"], **extra})


def followed(advisor):
    return Beneficiary.objects.filter(advisor=advisor, is_followed=True)


@pytest.fixture
def known(advisor):
    """Someone the advisor follows already."""
    return services.beneficiary_follow(
        advisor=advisor,
        first_name="Hélène",
        last_name="Dupont-Léger",
        consent_date=datetime.date(2025, 1, 6),
        phone="06 11 22 33 44",
        birth_year=1950,
    )


FILE = "\n".join(
    [
        HEADER,
        "Martin;Jeanne;15/01/2026;1958;06 12 34 56 78;jeanne.martin@exemple.fr",
        "Durand;Paul;2026-01-20;;;",
        "dupont leger;helene;01/02/2026;1950;;",  # same name as the known person, written otherwise
        "Petit;Louis;;1990;;",  # no consent date
        "Robert;Anne;10/01/2026;;12345;",  # not a phone number
        ";;10/01/2026;1980;;",  # no name
        "Leroy;Chloé;32/13/2026;;;",  # not a date
    ]
)


def test_the_analysis_shows_what_would_be_created_rejected_and_alike_and_writes_nothing(
    advisor_client, advisor, known
):
    response = upload(advisor_client, FILE)
    report = response.context["report"]
    assert [person["last_name"] for person in report.people] == ["Martin", "Durand", "dupont leger"]
    reasons = {problem.line: problem.reason for problem in report.rejected}
    assert set(reasons) == {5, 6, 7, 8}
    assert "date_consentement" in reasons[5]
    assert "telephone" in reasons[6]
    assert "indiquez le nom ou le prénom" in reasons[7]
    assert "n'est pas une date" in reasons[8]
    [alike] = report.look_alikes
    assert alike.line == 4
    assert alike.reasons == ["même nom et prénom", "même année de naissance (1950)"]
    page = response.content.decode()
    assert "Doublons possibles (1)" in page and "même nom et prénom" in page
    assert list(followed(advisor)) == [known]


def test_confirming_follows_the_valid_rows_in_one_go(advisor_client, advisor, known):
    response = confirm(advisor_client, upload(advisor_client, FILE))
    assert response.status_code == 302
    martin = followed(advisor).get(last_name="Martin")
    assert (martin.first_name, martin.birth_year, martin.phone) == ("Jeanne", 1958, "06 12 34 56 78")
    assert martin.consent_date == datetime.date(2026, 1, 15)
    assert followed(advisor).count() == 4  # the known person and three rows
    assert response.url == reverse("activities:beneficiary_duplicates")


def test_the_analysis_and_the_result_speak_french_agreement(advisor_client, advisor, known):
    response = upload(advisor_client, f"{HEADER}\nMartin;Jeanne;15/01/2026;;;\nDupont-Léger;Hélène;15/01/2026;;;")
    assert "2 lignes lues : 2 personnes à ajouter, 0 ligne refusée, 1 doublon possible." in response.content.decode()
    response = confirm(advisor_client, response, skip_look_alikes="1")
    message = str(list(response.wsgi_request._messages)[0])
    assert message == "Import terminé : 1 personne suivie ajoutée, 1 doublon possible laissé de côté."


def test_the_look_alikes_can_be_left_out(advisor_client, advisor, known):
    confirm(advisor_client, upload(advisor_client, FILE), skip_look_alikes="1")
    assert sorted(followed(advisor).values_list("last_name", flat=True)) == ["Dupont-Léger", "Durand", "Martin"]


def test_an_import_that_fails_midway_writes_nothing(advisor_client, advisor, monkeypatch):
    real = services.beneficiary_follow
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise services.ValidationError("panne simulée")
        return real(**kwargs)

    monkeypatch.setattr(people_file, "beneficiary_follow", fail_on_second)
    response = confirm(advisor_client, upload(advisor_client, FILE))
    assert response.url == reverse("activities:beneficiary_import")
    assert len(calls) == 2
    assert not followed(advisor).exists()


def test_a_file_without_the_required_columns_is_refused_and_offers_no_confirmation(advisor_client, advisor):
    response = upload(advisor_client, "nom;prenom\nMartin;Jeanne")
    assert "Colonnes obligatoires absentes : date_consentement" in response.content.decode()
    assert "Confirmer l'import" not in response.content.decode()
    assert not followed(advisor).exists()


def test_an_analysis_is_confirmed_by_its_advisor_only(advisor_client, advisor):
    token = upload(advisor_client, FILE).context["token"]
    session = advisor_client.session
    session["cnum_pending_beneficiary_imports"][token]["advisor"] = AdvisorFactory().pk  # another's analysis
    session.save()
    response = advisor_client.post(reverse("activities:beneficiary_import_confirm"), {"token": token})
    assert response.url == reverse("activities:beneficiary_import")
    assert not followed(advisor).exists()


def test_the_template_downloads_and_an_xlsx_file_imports(advisor_client, advisor):
    template = advisor_client.get(reverse("activities:beneficiary_template", kwargs={"fmt": "xlsx"}))
    sheet = load_workbook(io.BytesIO(template.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == people_file.HEADERS
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append(["Bernard", "Léa", datetime.date(2026, 1, 5), 1972, "0611223344", ""])
    content = io.BytesIO()
    workbook.save(content)
    response = advisor_client.post(
        reverse("activities:beneficiary_import"),
        {"file": SimpleUploadedFile("personnes.xlsx", content.getvalue())},
    )
    assert response.context["report"].rejected == []
    confirm(advisor_client, response)
    assert followed(advisor).get().phone == "06 11 22 33 44"
    csv_template = advisor_client.get(reverse("activities:beneficiary_template", kwargs={"fmt": "csv"}))
    assert csv_template.content.decode("utf-8-sig").splitlines()[0] == HEADER


def test_the_export_holds_the_advisors_people_only_formula_safe_and_imports_back(advisor_client, advisor, known):
    services.beneficiary_follow(
        advisor=advisor, first_name="=HYPERLINK(1)", last_name="Formule", consent_date=datetime.date(2025, 2, 1)
    )
    erased = services.beneficiary_follow(
        advisor=advisor, first_name="Ex", last_name="Effacé", consent_date=datetime.date(2025, 2, 1)
    )
    services.beneficiary_erase(beneficiary=erased)
    ActivityFactory(advisor=advisor, accompaniment__beneficiary=known, date=datetime.date(2025, 3, 10))
    BeneficiaryFactory(followed=True, last_name="Quelquun-Dailleurs")
    response = advisor_client.get(reverse("activities:beneficiary_export", kwargs={"fmt": "csv"}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == people_file.EXPORT_HEADERS
    assert [row[0] for row in rows[1:]] == ["Dupont-Léger", "Formule"]
    assert rows[1][6:] == ["1", "10/03/2025"]
    assert rows[2][1] == "'=HYPERLINK(1)"
    again = upload(advisor_client, response.content.decode("utf-8-sig")).context["report"]
    assert [alike.line for alike in again.look_alikes] == [2, 3]
    assert again.people[1]["first_name"] == "=HYPERLINK(1)"  # the quote added on the way out is taken off


def test_the_duplicates_screen_explains_and_merges_in_one_step(advisor_client, advisor, known):
    twin = services.beneficiary_follow(
        advisor=advisor,
        first_name="Hélène",
        last_name="Dupont",
        consent_date=datetime.date(2025, 2, 1),
        phone="+33 6 11 22 33 44",
        birth_year=1950,
    )
    ActivityFactory(advisor=advisor, accompaniment__beneficiary=known, date=datetime.date(2025, 3, 10))
    ActivityFactory(advisor=advisor, accompaniment__beneficiary=twin, date=datetime.date(2025, 2, 10))
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    page = advisor_client.get(reverse("activities:beneficiary_duplicates")).content.decode()
    assert "même numéro de téléphone, même année de naissance (1950)" in page
    response = advisor_client.post(
        reverse("activities:beneficiary_merge", kwargs={"pk": known.pk}), {"merge": twin.pk, "retour": "doublons"}
    )
    assert response.url == reverse("activities:beneficiary_duplicates")
    assert not Beneficiary.objects.filter(pk=twin.pk).exists()
    moved = Accompaniment.objects.filter(beneficiary=known).order_by("activity__date")
    assert [accompaniment.is_first for accompaniment in moved] == [True, False]
    call_command("stats_verify", stdout=io.StringIO(), stderr=io.StringIO())  # exits 1 on any difference
    assert (
        "Aucun doublon possible" in advisor_client.get(reverse("activities:beneficiary_duplicates")).content.decode()
    )


@pytest.mark.parametrize(
    "name", ["beneficiary_import", "beneficiary_duplicates", "beneficiary_template", "beneficiary_export"]
)
def test_whoever_is_not_an_advisor_is_refused(client, name):
    from cnum.accounts.enums import Role
    from tests.accounts.factories import RoleAssignmentFactory

    client.force_login(RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER).user)
    kwargs = {"fmt": "csv"} if name in ("beneficiary_template", "beneficiary_export") else {}
    assert client.get(reverse(f"activities:{name}", kwargs=kwargs)).status_code == 403


def test_a_future_consent_date_is_refused(advisor_client, advisor):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    report = upload(advisor_client, f"{HEADER}\nMartin;Jeanne;{tomorrow};;;").context["report"]
    assert "ne peut pas être dans le futur" in report.rejected[0].reason


def test_an_analysis_never_confirmed_is_removed_after_a_day(advisor_client, settings, tmp_path):
    import os
    import time

    settings.MEDIA_ROOT = tmp_path
    upload(advisor_client, FILE)
    [folder] = (tmp_path / "imports" / "beneficiaires-suivis").iterdir()
    old = time.time() - 25 * 3600
    os.utime(folder, (old, old))
    upload(advisor_client, FILE)
    assert folder not in set((tmp_path / "imports" / "beneficiaires-suivis").iterdir())


def test_the_duplicates_screen_reads_a_fixed_number_of_queries(advisor_client, advisor, django_assert_max_num_queries):
    from tests.territories.factories import CommuneFactory

    commune = CommuneFactory()

    def twins(name):
        for _ in range(2):
            services.beneficiary_follow(
                advisor=advisor,
                first_name=name,
                last_name="Jumeau",
                consent_date=datetime.date(2025, 1, 6),
                commune=commune,
            )

    twins("Anne")
    advisor_client.get(reverse("activities:beneficiary_duplicates"))
    with django_assert_max_num_queries(20) as few:
        advisor_client.get(reverse("activities:beneficiary_duplicates"))
    twins("Paul")
    twins("Zoé")
    with django_assert_max_num_queries(len(few.captured_queries)):
        advisor_client.get(reverse("activities:beneficiary_duplicates"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", "Le fichier soumis est vide"),
        ("entete.csv", (HEADER + "\n").encode(), "Aucune ligne valide"),
        ("binaire.xlsx", b"PK\x03\x04" + bytes(range(256)), "Classeur XLSX illisible"),
        ("nul.csv", HEADER.encode() + b"\n\x00\x00;\x00", "Aucune ligne valide"),
        ("windows.csv", f"{HEADER}\nMüller;Jérôme;01/02/2026;;;".encode("cp1252"), "1 personne à ajouter"),
    ],
)
def test_a_damaged_file_gets_its_report_never_an_error(advisor_client, advisor, name, content, message):
    response = advisor_client.post(
        reverse("activities:beneficiary_import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not followed(advisor).exists()
