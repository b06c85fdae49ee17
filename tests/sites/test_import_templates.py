"""Each site format lists the columns it reads on the upload page, and its template file is understood as is."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from cnum.core import imports
from cnum.sites import schema
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.usefixtures("cog")
SITE_FORMATS = [import_format.name for import_format in imports.formats("lieux")]
TEMPLATES = [import_format.name for import_format in imports.formats("lieux") if import_format.has_template]


@pytest.fixture
def programme(client):
    client.force_login(UserFactory(programme_team=True))
    return client


def test_every_site_format_lists_its_columns_and_the_csv_ones_offer_templates(programme):
    html = programme.get(reverse("core:import_upload")).content.decode()
    for name in SITE_FORMATS:
        import_format = imports.get_format(name)
        assert import_format.columns, name
        for column in import_format.columns:
            assert f"<code>{column.name}</code>" in html and escape(column.description) in html
    assert sorted(TEMPLATES) == ["csv-auto", "france-services-csv", "lieux-v1-csv"]
    for name in TEMPLATES:
        assert reverse("core:import_template", args=[name, "csv"]) in html
        assert reverse("core:import_template", args=[name, "xlsx"]) in html
    assert reverse("core:import_template", args=["cnfs-v0-json", "csv"]) not in html


def test_the_national_schema_formats_declare_every_schema_column():
    for name in ("lieux-v1-csv", "csv-auto"):
        assert sorted(column.name for column in imports.get_format(name).columns) == sorted(schema.field_names())


def test_the_france_services_template_has_the_header_of_the_national_list(settings):
    path = schema.reference_dir() / "france-services-2022-12-01.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
    assert sorted(column.name for column in imports.get_format("france-services-csv").columns) == sorted(header)


@pytest.mark.parametrize("format_name", TEMPLATES)
def test_a_downloaded_template_imported_as_is_is_understood(programme, tmp_path, format_name):
    """No refusal for a missing column, and the template's example line passes the importer's checks."""
    path = tmp_path / "modele.csv"
    path.write_bytes(programme.get(reverse("core:import_template", args=[format_name, "csv"])).content)
    report = imports.run_import(format_name=format_name, path=path, dry_run=True)
    assert not report.refusal
    assert (report.total, report.rejected, report.created) == (1, [], 1)
