"""The import assistant: upload → detected shape and mapping form → dry-run analysis → confirmed import."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cnum.sites.models import Site, SiteSourceMapping
from tests.accounts.factories import PASSWORD, UserFactory
from tests.sites.regional import regional_file

pytestmark = pytest.mark.usefixtures("cog")
SMALL = "Lieu;Emplacement;CP;Ville;Notes\r\nMédiathèque;1 place Bellecour;69002;Lyon;vu\r\n".encode("cp1252")


def upload(client, data=SMALL, name="lieux.csv", source="hub-xyz"):
    return client.post(
        reverse("sites:import_wizard"), {"file": SimpleUploadedFile(name, data, "text/csv"), "source": source}
    )


@pytest.fixture
def team(client):
    client.force_login(UserFactory(programme_team=True))
    return client


def mapping_data(response, **changes) -> dict:
    """What the mapping form posts: its selects' current values, with `changes` by column name."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    for index, column in enumerate(form.columns):
        if column in changes:
            data[f"column_{index}"] = changes[column] or ""
    return data


def test_the_assistant_is_for_the_programme_team_and_linked_from_imports(client):
    assert client.get(reverse("sites:import_wizard")).status_code == 302
    client.force_login(UserFactory(advisor=True))
    assert client.get(reverse("sites:import_wizard")).status_code == 403
    client.force_login(UserFactory(programme_team=True))
    assert reverse("sites:import_wizard") in client.get(reverse("core:import_upload")).content.decode()


def test_upload_shows_detected_shape_and_guessed_mapping(team):
    response = upload(team)
    assert response.status_code == 302
    page = team.get(response.url)
    text = page.content.decode()
    assert "Encodage détecté : Windows-1252" in text and "point-virgule" in text and "CRLF" in text
    form = page.context["form"]
    assert [form[name].value() for name in form.fields] == ["nom", "adresse", "code_postal", "commune", ""]
    assert "Aucune colonne nommée « adresse » : « Emplacement » (100 % des valeurs s&#x27;y prêtent) retenue" in text


def test_a_wrong_upload_keeps_the_source_typed(team):
    response = upload(team, name="lieux.txt", source="Hub XYZ")
    assert response.status_code == 200
    assert "Un fichier .csv est attendu." in response.content.decode()
    assert "Lettres minuscules" in response.content.decode()
    assert response.context["form"]["source"].value() == "Hub XYZ"


def test_an_incomplete_mapping_is_refused_naming_the_columns_that_could_fill_it_and_the_choices_are_kept(team):
    url = upload(team).url
    page = team.get(url)
    response = team.post(url, {**mapping_data(page, Lieu="nom", Emplacement=None), "action": "analyser"})
    text = response.content.decode()
    assert (
        "Aucune colonne ne fournit « adresse ». Colonnes qui pourraient la fournir : « Emplacement » (100 % des "
        "valeurs s&#x27;y prêtent). Choisissez-en une : rien n&#x27;est importé sans adresse."
    ) in text
    assert response.context["form"]["column_0"].value() == "nom"
    assert "report" not in response.context and not Site.objects.exists()


def test_analysis_writes_nothing_then_confirmation_imports_and_saves_the_mapping(team):
    url = upload(team).url
    data = mapping_data(team.get(url), Lieu="nom", Emplacement="adresse")
    analysis = team.post(url, {**data, "action": "analyser"})
    assert analysis.context["report"].dry_run and analysis.context["report"].created == 1
    assert "Confirmer l'import" in analysis.content.decode() and not Site.objects.exists()
    done = team.post(url, {**data, "action": "importer"})
    assert "Import de « lieux.csv » terminé" in done.content.decode()
    assert Site.objects.get().name == "Médiathèque"
    assert SiteSourceMapping.objects.get(source="hub-xyz").mapping == {
        "Lieu": "nom",
        "Emplacement": "adresse",
        "CP": "code_postal",
        "Ville": "commune",
        "Notes": None,
    }
    # The next file of the same source starts from the saved mapping.
    page = team.get(upload(team, name="suivant.csv").url)
    assert page.context["form"]["column_0"].value() == "nom"
    assert "enregistrée pour la source « hub-xyz »" in page.content.decode()


def test_confirming_a_mapping_changed_since_the_analysis_analyses_again(team):
    url = upload(team).url
    data = mapping_data(team.get(url), Lieu="nom", Emplacement="adresse")
    team.post(url, {**data, "action": "analyser"})
    changed = {**data, "column_4": "presentation_detail"}
    response = team.post(url, {**changed, "action": "importer"})
    assert "La correspondance a changé" in response.content.decode() and not Site.objects.exists()


# --- in a real browser ----------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_the_wizard_end_to_end_in_chromium(live_server, page, transactional_db, cog, tmp_path):
    user = UserFactory(programme_team=True)
    path = regional_file(france_services=20, cnfs=5).write(tmp_path / "region.csv")
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("core:import_upload"))
    page.get_by_role("link", name="assistant d'import de lieux").click()
    page.get_by_label("Fichier CSV").set_input_files(str(path))
    page.get_by_label("Nom de la source").fill("region-ara")
    page.get_by_role("button", name="Lire le fichier").click()
    assert "Encodage détecté : Windows-1252" in page.content()
    assert page.get_by_label("Colonne « CP »").input_value() == "code_postal"
    page.get_by_label("Colonne « Remarque interne »").select_option("presentation_detail")

    page.get_by_role("button", name="Analyser sans rien enregistrer").click()
    summary = page.locator("main").inner_text()
    assert re.search(r"25 lignes lues : 25 à créer", summary)
    assert page.get_by_label("Colonne « Remarque interne »").input_value() == "presentation_detail"
    assert not Site.objects.exists()

    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_role("heading", name=re.compile("terminé")).wait_for()
    assert Site.objects.filter(source="region-ara").count() == 25
    assert Site.objects.filter(description="à revoir").count() == 20


def test_the_plain_upload_page_offers_csv_auto_and_says_what_it_detected(team):
    data = "nom;adresse;cp;ville\r\nMédiathèque;1 place Bellecour;69002;Lyon\r\n".encode("cp1252")
    upload = SimpleUploadedFile("lieux.csv", data, "text/csv")
    response = team.post(reverse("core:import_upload"), {"format": "csv-auto", "file": upload})
    text = response.content.decode()
    assert "Encodage détecté : Windows-1252" in text and "1 à créer" in text
    assert not Site.objects.exists()


def test_values_in_words_are_shown_one_by_one_and_the_person_s_choices_are_imported_and_saved(team):
    data = (
        "Lieu;Emplacement;CP;Ville;Type\r\nPoste;1 place;04150;Banon;La Poste\r\nBib;2 rue;04150;Banon;Médiathèque\r\n"
    )
    url = upload(team, data=data.encode("utf-8")).url
    page = team.get(url)
    analysis = team.post(url, {**mapping_data(page), "action": "analyser"})
    values_form = analysis.context["values_form"]
    labels = [values_form[name].label for name in values_form.fields]
    assert labels == [
        "typologie : « La Poste » (synonyme, 1 ligne)",
        "typologie : « Médiathèque » (synonyme, 1 ligne)",
    ]
    assert [values_form[name].value() for name in values_form.fields] == ["LA_POSTE", "BIB"]
    choices = {**mapping_data(page), "value_0": "RFS", "value_1": "BIB"}
    again = team.post(url, {**choices, "action": "analyser"})
    assert again.context["values_form"]["value_0"].value() == "RFS"
    team.post(url, {**choices, "action": "importer"})
    assert Site.objects.get(name="Poste").typology == ["RFS"]
    assert SiteSourceMapping.objects.get(source="hub-xyz").vocabulary["typologie"] == {
        "La Poste": "RFS",
        "Médiathèque": "BIB",
    }


def test_a_large_file_is_imported_by_a_background_task_with_the_analysed_mapping(team, settings, tmp_path):
    from cnum.core.enums import JobStatus
    from cnum.core.models import Job
    from tests.core.worker import run_queued

    settings.MEDIA_ROOT, settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "media", tmp_path / "progress"
    settings.CNUM_TASKS_ROWS_THRESHOLD = 0  # the one-row file counts as large
    url = upload(team).url
    data = mapping_data(team.get(url), Lieu="nom", Emplacement="adresse")
    team.post(url, {**data, "action": "analyser"})
    response = team.post(url, {**data, "action": "importer"})
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk]) and not Site.objects.exists()
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and Site.objects.get().name == "Médiathèque"
    assert SiteSourceMapping.objects.get(source="hub-xyz").mapping["Emplacement"] == "adresse"
    assert not Path(job.params["path"]).exists()
    assert "1 créée" in team.get(reverse("core:job_detail", args=[job.pk])).content.decode()


def test_services_and_publics_are_reviewed_per_distinct_value_with_several_values_and_remembered(team):
    data = (
        "Lieu;Emplacement;CP;Ville;Services;Publics\r\n"
        "Bib;2 rue;04150;Banon;Accès internet, matériel informatique;Seniors\r\n"
        "Club;3 rue;04150;Banon;matériel informatique;jeunes de 16-25 ans\r\n"
    )
    url = upload(team, data=data.encode("utf-8")).url
    page = team.get(url)
    analysis = team.post(url, {**mapping_data(page), "action": "analyser"})
    values_form = analysis.context["values_form"]
    fields = {values_form[name].label: name for name in values_form.fields}
    ambiguous = (
        "services : « matériel informatique » (ambigu : Accès internet et matériel informatique ou Acquisition de "
        "matériel informatique à prix solidaire, 2 lignes)"
    )
    assert set(fields) == {
        "services : « Accès internet » (mots-clés, 1 ligne)",
        ambiguous,
        "publics_specifiquement_adresses : « jeunes de 16-25 ans » (mots-clés, 1 ligne)",
    }  # « Seniors » is the schema's own value: nothing to review
    assert values_form[fields["services : « Accès internet » (mots-clés, 1 ligne)"]].value() == [
        "Accès internet et matériel informatique"
    ]
    assert values_form[fields[ambiguous]].value() == []
    both = ["Accès internet et matériel informatique", "Acquisition de matériel informatique à prix solidaire"]
    choices = {**mapping_data(page), **{name: values_form[name].value() for name in values_form.fields}}
    choices[fields[ambiguous]] = both
    team.post(url, {**choices, "action": "analyser"})
    team.post(url, {**choices, "action": "importer"})
    assert Site.objects.get(name="Club").services == both
    assert Site.objects.get(name="Club").specific_publics == ["Jeunes"]
    saved = SiteSourceMapping.objects.get(source="hub-xyz").vocabulary
    assert saved["services"]["matériel informatique"] == both
    assert saved["publics_specifiquement_adresses"]["jeunes de 16-25 ans"] == "Jeunes"
