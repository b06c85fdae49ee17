"""/donnees-ouvertes/: each file opendata_export writes (now also the sites in the data·inclusion schema), with its
description, size, date and licence; the README names no path of the machine and reads well."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.stats import opendata
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.usefixtures("cog")
URL = reverse("opendata:page")


@pytest.fixture
def published(settings, tmp_path):
    settings.CNUM_OPENDATA_DIR = tmp_path / "opendata"
    SiteFactory(name="Médiathèque de la Part-Dieu", pivot="43493312300029")
    call_command("opendata_export", stdout=io.StringIO())
    return settings.CNUM_OPENDATA_DIR


def test_the_page_lists_every_file_with_description_size_date_and_licence(client, published):
    html = client.get(URL).content.decode()
    for name, description in opendata.FILES.items():
        assert f'href="{reverse("opendata:file", args=[name])}" download>{name}</a>' in html
        assert description.replace("'", "&#x27;") in html
    assert "Licence Ouverte 2.0" in html and "Mis à jour le" in html
    assert "octets" in html or "Ko" in html


def test_the_files_are_downloadable_and_nothing_else(client, published):
    response = client.get(reverse("opendata:file", args=["lieux-data-inclusion.json"]))
    assert response.status_code == 200
    document = json.loads(b"".join(response.streaming_content))
    assert [s["nom"] for s in document["structures"]] == ["Médiathèque de la Part-Dieu"]
    (published / "secret.txt").write_text("non", encoding="utf-8")
    for name in ("secret.txt", "..", "inconnu.csv"):
        assert client.get(reverse("opendata:file", args=[name])).status_code == 404


def test_the_readme_names_no_machine_path_and_reads_well(published):
    readme = (published / "README.md").read_text(encoding="utf-8")
    assert str(published) not in readme and "/tmp" not in readme
    assert "du début à " in readme and "de le début" not in readme
    assert "1 lieu écrit dans lieux.csv." in readme
    assert "### lieux-data-inclusion.json" in readme


def test_before_the_first_export_the_page_says_so(client, settings, tmp_path):
    settings.CNUM_OPENDATA_DIR = tmp_path / "vide"
    html = client.get(URL).content.decode()
    assert "Les fichiers n'ont pas encore été publiés." in html
    assert client.get(reverse("opendata:file", args=["README.md"])).status_code == 404
