"""The schema columns a site cannot do without, when the file's header names none of them ("csv-auto").

A file is not refused for a missing name: the columns that could give the field are looked for, by their name
(rapidfuzz's WRatio against the field's name and synonyms) and by what they hold (postal codes, street words…), and
named. When the mapping is only a guess, the best of them is taken, and said, so that the import can go on and the
person can correct it; when the person chose the mapping (a mapping file, the assistant, or the source's saved one)
and still left the field without a column, nothing is imported, and the candidates are named in the reason.

`commune` and `code_insee` may both be missing when the postal code is there: the commune is then found from the
postal code alone where it serves one commune (the other rows are rejected, each with its reason).
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from cnum.sites.importers.files import header_key

REQUIRED = ("nom", "adresse", "code_postal")
LABELS = {"nom": "nom", "adresse": "adresse", "code_postal": "code postal"}
STREET = re.compile(
    r"(?<![^\W\d_])(rue|avenue|av|bd|boulevard|place|pl|chemin|ch|route|rte|all[ée]e|impasse|quai|cours|"
    r"square|esplanade|lieu[- ]dit|lotissement|hameau|r[ée]sidence|zi|za|zac|parc|faubourg|mont[ée]e|voie|"
    r"sentier)(?![^\W\d_])",
    re.IGNORECASE,
)
ADDRESS_LIKE = re.compile(r"^\s*\d*\s*(?:bis|ter|[bt])?\s*,?\s*" + STREET.pattern, re.IGNORECASE)
CONTENT = {
    "code_postal": lambda value: re.fullmatch(r"\d{4,5}(?:\.0+)?", value) is not None,
    "adresse": lambda value: STREET.search(value) is not None,
    "nom": lambda value: re.search(r"[^\W\d_]{3,}", value) is not None and ADDRESS_LIKE.match(value) is None,
}
SAMPLE = 200
ENOUGH = 0.8  # share of the non-empty values that must look right


@dataclass(frozen=True)
class Candidate:
    column: str
    share: float  # of its non-empty values that look like the field
    name_score: float  # 0-100, its header against the field's names

    def describe(self) -> str:
        return f"« {self.column} » ({round(self.share * 100)} % des valeurs s'y prêtent)"


def _names(target: str) -> list[str]:
    from cnum.sites.importers.mapping import SYNONYMS  # mapping uses this module: imported when needed

    return [target, *(key for key, value in SYNONYMS.items() if value == target)]


def candidates(target: str, columns: dict[str, str | None], rows) -> list[Candidate]:
    """Columns not used by the mapping that could give `target`, best first: mostly values of the right form,
    ranked by that share, then by the likeness of their header to the field's names."""
    cells = [cells for _line, cells in rows[:SAMPLE] if not isinstance(cells, str)]
    found = []
    for index, (column, chosen) in enumerate(columns.items()):
        if chosen is not None:
            continue
        values = [row[index].strip() for row in cells if index < len(row) and row[index].strip()]
        if not values:
            continue
        share = sum(CONTENT[target](value) for value in values) / len(values)
        if share < ENOUGH:
            continue
        name_score = process.extractOne(header_key(column), _names(target), scorer=fuzz.WRatio)[1]
        found.append(Candidate(column, share, name_score))
    return sorted(found, key=lambda candidate: (-round(candidate.share, 1), -candidate.name_score))


def missing(columns: dict[str, str | None]) -> list[str]:
    chosen = set(columns.values())
    return [target for target in REQUIRED if target not in chosen]


def complete(columns: dict[str, str | None], rows, *, chosen_by_person: bool) -> tuple[dict, list[str], list[str]]:
    """(columns, notes, problems): the guess completed with the best candidate of each missing field; or, when the
    person chose the mapping, a problem per missing field naming its candidates (nothing is imported)."""
    columns, notes, problems = dict(columns), [], []
    for target in missing(columns):
        found = candidates(target, columns, rows)
        label = LABELS[target]
        if found and not chosen_by_person:
            best = found[0]
            columns[best.column] = target
            others = f" Autres possibles : {', '.join(c.describe() for c in found[1:4])}." if found[1:] else ""
            notes.append(
                f"Aucune colonne nommée « {label} » : {best.describe()} retenue d'après son contenu, à vérifier."
                f"{others}"
            )
        elif found:
            problems.append(
                f"Aucune colonne ne fournit « {target} ». Colonnes qui pourraient la fournir : "
                f"{', '.join(c.describe() for c in found[:4])}. Choisissez-en une : rien n'est importé sans {label}."
            )
        else:
            problems.append(
                f"Aucune colonne ne fournit « {target} », et aucune colonne du fichier n'a des valeurs qui y "
                f"ressemblent : rien n'est importé sans {label}."
            )
    if (
        "commune" not in columns.values()
        and "code_insee" not in columns.values()
        and "code_postal" in columns.values()
    ):
        notes.append(
            "Ni commune ni code INSEE : la commune est déduite du code postal quand il n'en dessert qu'une ; "
            "les autres lignes sont rejetées."
        )
    return columns, notes, problems
