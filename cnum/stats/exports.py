"""The dashboard's exports: the tables of the dashboard (cnum.stats.presenter.Dashboard.tables) written as CSV
(UTF-8 with BOM, `;`, one block per table) or XLSX (one sheet per table), and the PDF "fiche territoriale" printed
from the same tables.

Every cell goes through `cnum.core.tabular.safe_cell` (formula injection), in the CSV and in the XLSX alike.
"""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from cnum.activities.models import Tag
from cnum.core.formatting import decimal, number
from cnum.core.tabular import safe_cell, safe_row
from cnum.stats.catalogue import MEASURE
from cnum.stats.forms import period_label
from cnum.stats.presenter import Dashboard, Table, row_label, table_value
from cnum.stats.scopes import Filters, Scope, ScopeKind

FILTER_LABELS = {
    "type": "Type d'activité",
    "place_type": "Type de lieu",
    "employer_kind": "Employeur",
    "theme": "Thématique",
}
assert FILTER_LABELS.keys() == Filters.CHOICES.keys()  # the advisor and tag filters are labelled with their names


# --- files --------------------------------------------------------------------------------------------------------


def as_csv(tables: list[Table]) -> bytes:
    """One block per table (its title, its headers, its rows), blocks separated by a blank line; UTF-8 with a BOM
    and `;` so that a spreadsheet in French opens it as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for index, (title, headers, rows) in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([safe_cell(title)])
        writer.writerow(safe_row(headers))
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value):
    """A float written with a French decimal comma: a number, so nothing to neutralise."""
    if isinstance(value, float):
        return decimal(value)
    return safe_cell(value)


def as_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table (named after it, 31 characters at most, unique), its title on the first line, bold
    headers, numbers as numbers."""
    from openpyxl import Workbook  # imported here: only XLSX exports pay for it
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    names = set()
    bold = Font(bold=True)
    for title, headers, rows in tables:
        sheet = workbook.create_sheet(_sheet_name(title, names))
        sheet.append([safe_cell(title)])
        sheet["A1"].font = bold
        sheet.append(safe_row(headers))
        for cell in sheet[2]:
            cell.font = bold
        for row in rows:
            sheet.append(safe_row(row))
        for index, header in enumerate(headers, start=1):
            width = max([len(str(header)), *(len(str(row[index - 1])) for row in rows)])
            sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = min(60, width + 2)
    if not tables:
        workbook.create_sheet("Statistiques")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


_FORBIDDEN_IN_SHEET_NAMES = str.maketrans({character: " " for character in "[]:*?/\\"})


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel forbids []:*?/\\ in sheet names and more than 31 characters; names must be unique (ignoring case)."""
    base = " ".join(title.translate(_FORBIDDEN_IN_SHEET_NAMES).split()).strip("'")[:31] or "Tableau"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


# --- the fiche territoriale ---------------------------------------------------------------------------------------


def fiche_pdf(board: Dashboard) -> bytes:
    """The "fiche territoriale" of a dashboard: key figures with their definitions, themes, employer split, monthly
    series, départements (for a scope that spans several), and the source."""
    from cnum.core.pdf import html_to_pdf  # imported here: only the PDF pays for WeasyPrint and its libraries

    return html_to_pdf(fiche_html(board), title=fiche_title(board.scope))


def filter_labels(filters: Filters) -> list[str]:
    """ "Thématique : Courriel", "Conseiller numérique : Camille Martin"…: the filters as the fiche prints them."""
    labels = [
        f"{FILTER_LABELS[name]} : {Filters.CHOICES[name][value]}"
        for name, value in filters.as_dict().items()
        if name in FILTER_LABELS
    ]
    if filters.advisor:
        labels.append(Scope(ScopeKind.ADVISOR, filters.advisor).label)
    if filters.tag:  # the page checked that the reader may see it
        labels.append(f"Étiquette : {Tag.objects.filter(pk=int(filters.tag)).values_list('name', flat=True).first()}")
    return labels


def fiche_title(scope: Scope) -> str:
    return f"Fiche territoriale — {scope.label}"


#: The tables the fiche prints after the key figures, when the dashboard has them and they are not empty.
FICHE_SECTIONS = ("Thématiques", "Employeur public ou privé", "Individuel ou collectif", "Par mois")


def fiche_html(board: Dashboard) -> str:
    """The HTML the fiche is printed from (cnum/stats/templates/stats/fiche.html): the dashboard's own tables."""
    tables = {title: (headers, rows) for title, headers, rows in board.tables()}
    departements = board.figures["by_departement"]
    several = "Par département" in tables and len(departements) > 1
    context = {
        "title": fiche_title(board.scope),
        "scope": board.scope,
        "period": period_label(board.since, board.until),
        "filters": filter_labels(board.filters),
        "generated": timezone.localtime(),
        "key_figures": [
            (row_label(MEASURE[key]), _display(table_value(key, board.figures[key])), MEASURE[key].short)
            for key in board.tile_keys
        ],
        "sections": [
            (title, tables[title][0], [[_display(value) for value in row] for row in tables[title][1]])
            for title in FICHE_SECTIONS
            if title in tables and tables[title][1]
        ]
        + ([("Par département", *_named_departements(tables["Par département"]))] if several else []),
        "computed": tables.get("Source des calculs", (None, []))[1],
    }
    return render_to_string("stats/fiche.html", context)


def _named_departements(table: tuple[list[str], list[list]]) -> tuple[list[str], list[list]]:
    """ "Rhône (69)" in one column rather than the code and the name in two."""
    headers, rows = table
    named = [[f"{name} ({code})" if code else name, *(_display(v) for v in rest)] for code, name, *rest in rows]
    return headers[1:], named


def _display(value) -> str:
    """A cell of the fiche: numbers in French typography (cnum.core.formatting), text as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value)
