"""The generic upload page: a refused file is never offered for confirmation; each format lists its columns and
offers a template; the user's own file name and words everywhere."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from cnum.core import imports
from cnum.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory(programme_team=True))
    return client


def _upload(client, format_name: str, name: str, content: bytes):
    return client.post(
        reverse("core:import_upload"), {"format": format_name, "file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize(
    "upload",
    [
        ("structures-csv", "structures.csv", b"nom;commune\nLyon;Lyon\n"),
        ("cnum-csv", "activites.csv", b"id;date\n1;2025-01-01\n"),
        ("xlsx", "activites.xlsx", b"not a workbook"),
    ],
)
def test_an_upload_lacking_required_columns_shows_the_reason_and_no_confirmation(programme, upload):
    format_name, name, content = upload
    response = _upload(programme, format_name, name, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert "refusé" in html
    assert escape(response.context["report"].refusal) in html
    assert reverse("core:import_confirm") not in html
    assert "Confirmer l'import" not in html and "terminé" not in html and "-1 ligne" not in html


def test_a_refused_file_cannot_be_confirmed_afterwards(programme):
    response = _upload(programme, "structures-csv", "structures.csv", b"nom\nLyon\n")
    response = programme.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 302


def test_the_refusal_lists_the_expected_columns(programme):
    html = _upload(programme, "structures-csv", "structures.csv", b"nom\nLyon\n").content.decode()
    assert "Colonnes attendues" in html and "<code>siret</code>" in html
    assert reverse("core:import_template", args=["structures-csv", "xlsx"]) in html


def test_web_messages_carry_no_command_line_flag(programme):
    html = _upload(programme, "cnum-csv", "activites.csv", b"id;date;type\n1;2025-01-01;individuel\n").content.decode()
    assert "conseiller_email" in html
    assert "--advisor-email" not in html and "--allow-partial" not in html


def test_the_format_label_is_not_doubled(programme):
    html = programme.get(reverse("core:import_upload")).content.decode()
    assert "Structures (CSV)" in html and "(CSV) (structures)" not in html


def test_the_upload_page_lists_every_format_with_its_columns(programme):
    html = programme.get(reverse("core:import_upload")).content.decode()
    for import_format in imports.formats():
        assert escape(import_format.label) in html
    assert "<code>conseiller_email</code>" in html
    assert reverse("core:import_template", args=["cnum-csv", "csv"]) in html


@pytest.mark.parametrize("format_name", [f.name for f in imports.formats() if f.has_template])
def test_the_templates_hold_the_declared_columns(programme, format_name):
    columns = [column.name for column in imports.get_format(format_name).columns]
    response = programme.get(reverse("core:import_template", args=[format_name, "csv"]))
    assert response["Content-Disposition"].endswith(f'modele-{format_name}.csv"')
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert header == columns
    response = programme.get(reverse("core:import_template", args=[format_name, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == columns


def test_an_unknown_template_is_not_found(programme):
    assert programme.get(reverse("core:import_template", args=["nope", "csv"])).status_code == 404
    assert programme.get(reverse("core:import_template", args=["structures-csv", "pdf"])).status_code == 404


def test_the_template_of_the_structures_format_imports_as_is(programme, tmp_path):
    """Declare once: the template's example line passes the importer's own checks on the header."""
    content = programme.get(reverse("core:import_template", args=["structures-csv", "csv"])).content
    path = tmp_path / "modele.csv"
    path.write_bytes(content)
    report = imports.run_import(format_name="structures-csv", path=path, dry_run=True)
    assert not report.refusal


def test_the_original_file_name_is_kept_for_the_audit_trail(programme, cog):
    content = b"siret;nom;type;code_insee\n21690123100011;Lyon;commune;69123\n"
    response = _upload(programme, "structures-csv", "Mes structures.csv", content)
    assert "Mes structures.csv" in response.content.decode()
    programme.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    descriptions = list(AuditEvent.objects.values_list("object_repr", flat=True))
    assert any("Import Mes structures.csv" in description for description in descriptions), descriptions
