"""The dashboard's exports: the figures of `engine.figures()` as titled tables with French headers and labels,
written as CSV (UTF-8 with BOM, `;`, one block per table) or XLSX (one sheet per table), and the PDF "fiche
territoriale" of a scope and a period.

Every cell goes through `cnum.core.tabular.safe_cell` (formula injection), in the CSV and in the XLSX alike.
"""

import csv
import datetime
import io

from django.template.loader import render_to_string
from django.utils import timezone

from cnum.activities.models import Tag
from cnum.core.formatting import decimal, number
from cnum.core.tabular import safe_cell, safe_row
from cnum.stats import engine, indicators
from cnum.stats.catalogue import BREAKDOWNS, MEASURES, SPLIT, Unit
from cnum.stats.forms import period_label
from cnum.stats.scopes import EMPLOYER_KINDS, Filters, Scope, ScopeKind
from cnum.territories.models import Departement

Table = tuple[str, list[str], list[list]]

NOT_APPLICABLE = "sans objet"
FILTER_LABELS = {
    "type": "Type d'activité",
    "place_type": "Type de lieu",
    "employer_kind": "Employeur",
    "theme": "Thématique",
}
assert FILTER_LABELS.keys() == Filters.CHOICES.keys()  # the advisor and tag filters are labelled with their names


def _row_label(measure) -> str:
    return f"{measure.label} (%)" if measure.unit == Unit.RATE else measure.label


def figure_tables(figures: dict, programme: dict | None = None) -> list[Table]:
    """The figures (and the programme's registry figures, when given) as (title, headers, rows) tables."""
    tables = [_key_figures(figures)]
    for key, first in (("individual_vs_collective", "Type"), ("by_employer_type", "Employeur")):
        tables.append(_split(SPLIT[key].label, first, SPLIT[key].labels, figures[key]))
    followed, split = figures["followed_vs_anonymous"], SPLIT["followed_vs_anonymous"]
    shares = indicators.round_shares(followed)
    rows = [[split.labels[kind], followed[kind], shares[kind]] for kind in ("followed", "anonymous")]
    tables.append((split.label, ["Personnes", "Accompagnements", "Part (%)"], rows))
    for breakdown in BREAKDOWNS:
        counts = figures[breakdown.key]
        shares = indicators.round_shares(counts)
        # A multi-valued breakdown counts an activity once per value: its shares are shares of the mentions.
        share = "Part des mentions (%)" if breakdown.many else "Part (%)"
        rows = [[breakdown.label_of(value), count, shares[value]] for value, count in counts.items()]
        tables.append((breakdown.title, [breakdown.column_title, breakdown.counted, share], rows))
    months = [[month, c["activities"], c["accompaniments"]] for month, c in figures["by_month"].items()]
    tables.append((SPLIT["by_month"].label, ["Mois", "Activités", "Accompagnements"], months))
    tables.append(_departements(figures["by_departement"]))
    if programme is not None:
        tables += _programme(programme)
    computed = figures.get("computed") or {}
    if computed:
        source = [
            ["Indicateurs", engine.COMPUTED_LABELS.get(computed.get("figures"), "")],
            ["Personnes distinctes", engine.COMPUTED_LABELS.get(computed.get("people"), "")],
        ]
        tables.append(("Source des calculs", ["Calcul", "Source"], source))
    return tables


def _key_figures(figures: dict) -> Table:
    rows = [[_row_label(m), _value(m.key, figures[m.key])] for m in MEASURES if m.key in figures]
    followed = figures["followed_vs_anonymous"]
    rows.append(["Accompagnements de personnes suivies", followed["followed"]])
    return ("Chiffres clés", ["Indicateur", "Valeur"], rows)


def _value(key: str, value):
    if any(m.key == key and m.unit == Unit.RATE for m in MEASURES):
        return NOT_APPLICABLE if value is None else round(value * 100, 1)
    return value


def _split(title: str, first: str, labels: dict, groups: dict) -> Table:
    rows = [[labels.get(kind, kind), c["activities"], c["accompaniments"], c["share"]] for kind, c in groups.items()]
    return (title, [first, "Activités", "Accompagnements", "Part des activités (%)"], rows)


def _departements(groups: dict) -> Table:
    names = dict(Departement.objects.filter(code__in=list(groups)).values_list("code", "name"))
    rows = []
    for code, counts in groups.items():
        if code == indicators.NO_DEPARTEMENT:
            rows.append(["", "Sans département", counts["activities"], counts["accompaniments"]])
        else:
            rows.append([code, names.get(code, ""), counts["activities"], counts["accompaniments"]])
    return ("Par département", ["Code", "Département", "Activités", "Accompagnements"], rows)


def _programme(programme: dict) -> list[Table]:
    rate = programme.get("activation_rate")
    rows = [
        ["Conseillers en poste", programme["advisors_in_post"]],
        ["Postes accordés", programme["posts_granted"]],
        ["Postes pourvus", programme["posts_filled"]],
        ["Taux d'activation des postes (%)", NOT_APPLICABLE if rate is None else round(rate * 100, 1)],
    ]
    tables = [("Programme", ["Indicateur", "Valeur"], rows)]
    structures, posts = programme.get("structures_by_employer"), programme.get("posts_by_employer")
    if structures and posts:
        employers = [
            [label, structures.get(kind, 0), posts.get(kind, 0), posts.get("shares", {}).get(kind, 0)]
            for kind, label in EMPLOYER_KINDS.items()
        ]
        headers = ["Employeur", "Structures", "Postes accordés", "Part des postes (%)"]
        tables.append(("Structures et postes par employeur", headers, employers))
    return tables


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


def fiche_pdf(
    scope: Scope,
    since: datetime.date | None,
    until: datetime.date | None,
    filters: Filters | None = None,
) -> bytes:
    """The "fiche territoriale" of `scope` from `since` to `until`: key figures with their definitions, themes,
    employer split, monthly series, départements (for a scope that spans several), and the source."""
    from cnum.core.pdf import html_to_pdf  # imported here: only the PDF pays for WeasyPrint and its libraries

    return html_to_pdf(fiche_html(scope, since, until, filters), title=fiche_title(scope))


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


def fiche_html(
    scope: Scope,
    since: datetime.date | None,
    until: datetime.date | None,
    filters: Filters | None = None,
) -> str:
    """The HTML the fiche is printed from (cnum/stats/templates/stats/fiche.html)."""
    filters = filters or Filters()
    figures = engine.figures(scope, since, until, filters)
    figures.update(engine.registry_figures(scope, until, timezone.localdate()))
    tables = {title: (headers, rows) for title, headers, rows in figure_tables(figures)}
    departements = figures["by_departement"]
    several = scope.kind not in (ScopeKind.DEPARTEMENT, ScopeKind.COMMUNE) and len(departements) > 1
    context = {
        "title": fiche_title(scope),
        "scope": scope,
        "period": period_label(since, until),
        "filters": filter_labels(filters),
        "generated": timezone.localtime(),
        "key_figures": [
            (_row_label(m), _display(_value(m.key, figures[m.key])), m.short) for m in MEASURES if m.key in figures
        ],
        "sections": [
            (title, tables[title][0], [[_display(value) for value in row] for row in tables[title][1]])
            for title in ("Thématiques", "Employeur public ou privé", "Individuel ou collectif", "Par mois")
            if tables[title][1]
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
