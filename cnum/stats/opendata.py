"""The open-data files of the programme's activity, read from the rollup tables (département scope): one row per
département and month, one per département and theme, with statistical disclosure control (cnum.stats.disclosure).

Secret statistique (documented in the README written next to the files):
- a département-month row is secret when one of its counts (activités, accompagnements, personnes accompagnées,
  nouvelles personnes) is below 5: all its counts and its share are left empty and `secret_statistique` is 1;
- the département's total over the period and the national total of each month are published elsewhere (the
  dashboard, yearly reports), so secondary suppression makes sure no secret row can be recomputed from them;
- a share of people who progressed is published only when at least 5 people were asked;
- a département-theme count below 5 is secret; the national count of each theme being published elsewhere, the
  same secondary suppression applies per theme (a département's themes do not add up to a published total: an
  activity counts once per theme).
"""

import calendar
import csv
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from cnum.activities.enums import Theme
from cnum.core.tabular import safe_cell
from cnum.stats.disclosure import COLUMNS, ROWS, THRESHOLD, suppress
from cnum.stats.models import BREAKDOWNS, StatCell, StatPeople, column_name
from cnum.stats.scopes import ScopeKind
from cnum.territories.models import Departement

SECRET = "secret_statistique"
#: Columns of activite-departement-mois.csv and their definitions (written in the README).
MONTH_COLUMNS = {
    "departement": "Code du département (COG) de la structure employeuse.",
    "nom_departement": "Nom du département.",
    "mois": "Mois, au format AAAA-MM.",
    "activites": "Activités : comptes rendus d'activité (accompagnements individuels et ateliers collectifs) datés "
    "dans le mois.",
    "accompagnements": "Accompagnements : une personne dans une activité ; un par accompagnement individuel, un par "
    "participant d'atelier (suivi ou anonyme).",
    "personnes_accompagnees": "Personnes accompagnées : personnes distinctes accompagnées au moins une fois dans le "
    "mois, plus les participants anonymes d'ateliers venus pour la première fois. Non additif : une personne "
    "accompagnée en janvier et en mars compte dans chacun des deux mois.",
    "nouvelles_personnes": "Nouvelles personnes accompagnées : personnes dont le tout premier accompagnement a lieu "
    "dans le mois. Additif.",
    "part_ayant_progresse": "Part (entre 0 et 1) des personnes qui disent avoir progressé, parmi celles à qui la "
    f"question a été posée. Vide quand moins de {THRESHOLD} personnes ont été interrogées.",
    SECRET: "1 quand la ligne est couverte par le secret statistique (ses comptes sont vides), 0 sinon.",
}
#: The counts of a département-month row; a row is secret when any of them is below THRESHOLD.
MONTH_COUNTS = ("activites", "accompagnements", "personnes_accompagnees", "nouvelles_personnes")
#: Columns of activite-departement-theme.csv and their definitions.
THEME_COLUMNS = {
    "departement": "Code du département (COG) de la structure employeuse.",
    "nom_departement": "Nom du département.",
    "thematique": "Code de la thématique (format national des comptes rendus d'activité).",
    "libelle_thematique": "Libellé de la thématique.",
    "activites": "Activités de la période ayant abordé la thématique ; une activité compte une fois par thématique "
    "abordée (la somme des thématiques dépasse le nombre d'activités).",
    SECRET: "1 quand la valeur est couverte par le secret statistique (elle est vide), 0 sinon.",
}


@dataclass(frozen=True)
class Period:
    """Whole months from `first` to `last` (first days of months), either open."""

    first: datetime.date | None = None
    last: datetime.date | None = None

    @property
    def until(self) -> datetime.date | None:
        if self.last is None:
            return None
        return self.last.replace(day=calendar.monthrange(self.last.year, self.last.month)[1])

    def filter(self, queryset):
        if self.first:
            queryset = queryset.filter(month__gte=self.first)
        if self.last:
            queryset = queryset.filter(month__lte=self.last)
        return queryset

    def label(self) -> str:
        """ "de 2025-03 à 2025-04", "du début à 2025-12" (never "de le début")."""
        first = f"de {self.first:%Y-%m}" if self.first else "du début"
        last = f"à {self.last:%Y-%m}" if self.last else "à aujourd'hui"
        return f"{first} {last}"


def departement_months(period: Period) -> list[dict]:
    """One row per département and month with activity, counts of the month (people distinct in the month, as
    engine.figures gives them for that département and month), secret rows emptied."""
    cells = period.filter(StatCell.objects.filter(scope_kind=ScopeKind.DEPARTEMENT).order_by())
    sums = cells.values("scope_code", "month").annotate(
        activities=Sum("activities"),
        accompaniments=Sum("accompaniments"),
        new_people=Sum("new_people"),
        anonymous_new=Sum("anonymous_new"),
        progressed=Sum("progressed"),
        asked=Sum("asked"),
    )
    groups = {(row["scope_code"], f"{row['month']:%Y-%m}"): row for row in sums}
    months = sorted({month for _, month in groups})
    people = _people(months)
    names = _names({code for code, _ in groups})
    rows = {}
    for (code, month), group in groups.items():
        rows[code, month] = {
            "departement": code,
            "nom_departement": names.get(code, ""),
            "mois": month,
            "activites": group["activities"],
            "accompagnements": group["accompaniments"],
            "personnes_accompagnees": people.get((code, month), 0) + group["anonymous_new"],
            "nouvelles_personnes": group["new_people"],
            "part_ayant_progresse": _share(group["progressed"], group["asked"]),
            SECRET: 0,
        }
    hidden = suppress(
        {key: min(row[name] for name in MONTH_COUNTS) for key, row in rows.items()}, THRESHOLD, (ROWS, COLUMNS)
    )
    for key in hidden:
        rows[key].update({name: None for name in (*MONTH_COUNTS, "part_ayant_progresse")}, **{SECRET: 1})
    return [rows[key] for key in sorted(rows)]


def _people(months: list[str]) -> dict[tuple[str, str], int]:
    """Distinct people per (département, month), in one query."""
    rows = StatPeople.objects.filter(scope_kind=ScopeKind.DEPARTEMENT, type="", period__in=months).order_by()
    return {(code, period): count for code, period, count in rows.values_list("scope_code", "period", "count")}


def _share(progressed: int, asked: int) -> float | None:
    """Part ayant progressé, between 0 and 1 (4 decimals); empty when fewer than THRESHOLD people were asked."""
    return round(progressed / asked, 4) if asked >= THRESHOLD else None


def departement_themes(period: Period) -> list[dict]:
    """One row per département and theme: activities that addressed the theme in the period."""
    cells = period.filter(StatCell.objects.filter(scope_kind=ScopeKind.DEPARTEMENT).order_by())
    columns = {column_name("theme", theme): theme for theme in BREAKDOWNS["theme"]}
    counts = Counter()
    for row in cells.values("scope_code").annotate(**{column: Sum(column) for column in columns}):
        for column, theme in columns.items():
            if row[column]:
                counts[row["scope_code"], theme] += row[column]
    hidden = suppress(dict(counts), THRESHOLD, (COLUMNS,))
    names, labels = _names({code for code, _ in counts}), dict(Theme.choices)
    return [
        {
            "departement": code,
            "nom_departement": names.get(code, ""),
            "thematique": theme,
            "libelle_thematique": labels.get(theme, theme),
            "activites": None if (code, theme) in hidden else counts[code, theme],
            SECRET: int((code, theme) in hidden),
        }
        for code, theme in sorted(counts)
    ]


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Departement.objects.filter(code__in=codes).values_list("code", "name"))


def write_csv(path, columns, rows: list[dict]) -> int:
    """UTF-8, `,` separator, `.` decimal point, empty cells for secret or missing values (Etalab's guidance for
    open data CSV); text cells protected against formula injection."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[name] is None else safe_cell(row[name]) for name in columns])
    return len(rows)


def secret_counts(rows: list[dict]) -> dict[str, int]:
    tally = defaultdict(int)
    for row in rows:
        tally["secret" if row[SECRET] else "published"] += 1
    return dict(tally)


FILES = {
    "activite-departement-mois.csv": "Activité des conseillers numériques par département et par mois.",
    "activite-departement-theme.csv": "Activités par département et par thématique abordée, sur la période.",
    "lieux.csv": "Lieux d'activité publiés, au format du schéma national des lieux de médiation numérique (v1.0.2).",
    "lieux-data-inclusion.json": "Les mêmes lieux au format data·inclusion v1.0.8 : une structure et un service "
    "« Médiation numérique » par lieu (JSON).",
    "README.md": "Description des fichiers, de leurs colonnes, de la licence et du secret statistique.",
}
#: Licence of every open-data file.
LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
README_TEMPLATE = """# Conseiller numérique — données ouvertes d'activité

Fichiers générés le {generated}, période {period}.

Source : plateforme Conseiller numérique, comptes rendus d'activité saisis par les conseillers numériques.
Le territoire d'une activité est celui de la structure employeuse enregistrée sur l'activité ; les activités des
structures sans département ne figurent pas dans les fichiers par département.

Licence : [Licence Ouverte / Open Licence version 2.0](https://www.etalab.gouv.fr/licence-ouverte-open-licence/)
(Etalab). Réutilisation libre, y compris commerciale, sous réserve de mentionner la source (« Conseiller numérique »)
et la date de mise à jour.

Format : CSV encodé en UTF-8, séparateur virgule, point décimal ; une valeur vide est secrète ou sans objet.

## Fichiers

### activite-departement-mois.csv

{file_months} {rows_months} lignes, dont {secret_months} couvertes par le secret statistique.

{columns_months}

### activite-departement-theme.csv

{file_themes} {rows_themes} lignes, dont {secret_themes} couvertes par le secret statistique.

{columns_themes}

### lieux.csv

{file_sites} Colonnes et définitions : schéma « Lieux de médiation numérique » v1.0.2 publié sur schema.data.gouv.fr
(identifiant `lieux-v1-csv`).

### lieux-data-inclusion.json

{file_data_inclusion} Document JSON `{{"structures": [...], "services": [...]}}` valide selon le schéma data·inclusion
v1.0.8 (gip-inclusion/data-inclusion-schema) ; identifiants `conseiller-numerique--lieu-<id>`.

## Secret statistique

Aucun compte inférieur à {threshold} (activités ou personnes) n'est publié.

1. **Secret primaire** : une ligne département × mois dont l'un des comptes (activités, accompagnements, personnes
   accompagnées, nouvelles personnes) est inférieur à {threshold} a tous ses comptes vidés et `secret_statistique`
   à 1 ; de même une valeur département × thématique inférieure à {threshold}.
2. **Secret secondaire** : le total d'un département sur la période et le total national de chaque mois sont publiés
   ailleurs (tableau de bord, bilans annuels) ; la somme des lignes publiées permettrait de retrouver une ligne
   secrète seule sur son département ou sur son mois. D'autres lignes sont donc mises au secret (les plus petites
   possibles), jusqu'à ce qu'aucune valeur secrète ne puisse être recalculée à partir des valeurs publiées et de
   ces totaux. Pour les thématiques, le total national de chaque thématique est traité de même.
3. Ces fichiers ne publient eux-mêmes aucun total.

Un département qui n'a eu d'activité que dans un seul mois de la période voit ce mois égal à son total de la
période : la ligne reste secrète dans ce fichier, mais le fichier ne peut protéger un total publié ailleurs.
"""


def readme(period: Period, generated: datetime.datetime, months: list[dict], themes: list[dict], sites: str) -> str:
    """The README.md of the open-data files: each file, its columns and definitions, licence, secret rule."""
    month_counts, theme_counts = secret_counts(months), secret_counts(themes)
    return README_TEMPLATE.format(
        generated=f"{generated:%d/%m/%Y à %H:%M}",
        period=period.label(),
        threshold=THRESHOLD,
        file_months=FILES["activite-departement-mois.csv"],
        rows_months=len(months),
        secret_months=month_counts.get("secret", 0),
        file_themes=FILES["activite-departement-theme.csv"],
        rows_themes=len(themes),
        secret_themes=theme_counts.get("secret", 0),
        file_sites=f"{FILES['lieux.csv']} {sites}",
        file_data_inclusion=FILES["lieux-data-inclusion.json"],
        columns_months=_columns(MONTH_COLUMNS),
        columns_themes=_columns(THEME_COLUMNS),
    )


def _columns(columns: dict[str, str]) -> str:
    return "\n".join(["| colonne | description |", "|---|---|", *(f"| `{n}` | {d} |" for n, d in columns.items())])
