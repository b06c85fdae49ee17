"""Values given in words in third-party files ("Bibliothèque / Médiathèque", "Oui", "SUD LABS") matched to the
closed lists of the national schema v1.0.2 and to data·inclusion's typologies ("csv-auto").

For each item, in this order (docs/sites-mapping.md, "Vocabulaires"):
1. the person's decision for this text (the assistant, the mapping file's "valeurs", or the source's saved ones);
2. the list's own value, or for `typologie` a code or its label, compared without case, accents or spacing;
3. a synonym of `reference/mediation-numerique/synonymes-valeurs.csv` (versioned reference data, not code);
4. the same in the sibling list (`dispositif_programmes_nationaux` ↔ `formations_labels`: files mix them);
5. a fuzzy match of the whole text (rapidfuzz `ratio` ≥ 88: typos, plurals, a lost letter) that designates one value
   clearly (the next value 4 points behind at least); never of a part of it.
Anything else stays unmatched and is reported; nothing is guessed between two close values.

A cell is first matched as a whole, since labels hold slashes and commas; when that fails, its items (separated by
| ; , or /: "Centre social / Coworking") are matched one by one.
"""

import csv
import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from cnum.sites import schema

SYNONYMS_FILE = "synonymes-valeurs.csv"
FUZZY_MIN = 88
FUZZY_GAP = 4
ITEM_SPLIT = re.compile(r"\s*[|;,/]\s*")
SIBLINGS = {
    "dispositif_programmes_nationaux": "formations_labels",
    "formations_labels": "dispositif_programmes_nationaux",
}
HOW = {
    "exact": "valeur du schéma",
    "synonyme": "synonyme",
    "libelle_v0": "libellé v0",
    "mots_cles": "mots-clés",
    "approchant": "valeur approchante",
    "choisi": "choix enregistré",
    "tout_public": "tout public, aucun public spécifique",
    "ambigu": "ambigu",
    "inconnu": "non reconnu",
}
#: Lists whose texts are free sentences ("Accès internet, ateliers numériques"): one text may stand for several
#: values, so a person's decision for it is a list (importers.vocabulary).
SEVERAL = ("services", "publics_specifiquement_adresses")


def shown(value) -> str:
    """A matched value as the report writes it: one value, several joined with « + », or « non repris »."""
    if isinstance(value, list | tuple):
        return " + ".join(value) if value else "non repris"
    return value or "non repris"


@dataclass(frozen=True)
class Match:
    column: str  # the list the value belongs to (a sibling list may take it)
    item: str
    value: str | list[str] | None  # a list for the columns of SEVERAL decided by a person
    how: str  # a key of HOW
    candidates: tuple[str, ...] = ()  # the values an ambiguous text points to

    @property
    def values(self) -> list[str]:
        if isinstance(self.value, list | tuple):
            return list(self.value)
        return [self.value] if self.value else []

    def describe(self) -> str:
        value = f"« {shown(self.value)} »" if self.values else "non repris"
        return f"« {self.item} » → {value} ({HOW[self.how]})"


@functools.cache
def _synonyms() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    with (schema.reference_dir() / SYNONYMS_FILE).open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            found.setdefault(row["colonne"], {})[schema.fold(row["texte"])] = row["valeur"]
    return found


@functools.cache
def _exact(column: str) -> dict[str, str]:
    """Folded value (and for typologie: code and label) → value."""
    choices = {schema.fold(value): value for value in schema.enumeration(column).values}
    if column == "typologie":
        for code, label in schema.typology_labels().items():
            choices[schema.fold(label)] = code
    return choices


@functools.cache
def _fuzzy_choices(column: str) -> dict[str, str]:
    return {**_exact(column), **_synonyms().get(column, {})}


def _fuzzy(column: str, key: str) -> tuple[str | None, str]:
    choices = _fuzzy_choices(column)
    best_by_value: dict[str, float] = {}
    for _choice, score, index in process.extract(key, list(choices), scorer=fuzz.ratio, limit=10):
        value = list(choices.values())[index]
        best_by_value[value] = max(best_by_value.get(value, 0), score)
    ranked = sorted(best_by_value.items(), key=lambda pair: -pair[1])
    if not ranked or ranked[0][1] < FUZZY_MIN:
        return None, "inconnu"
    if len(ranked) > 1 and ranked[1][1] > ranked[0][1] - FUZZY_GAP:
        return None, "ambigu"
    return ranked[0][0], "approchant"


def match(column: str, item: str, decided: dict | None = None, *, fuzzy: bool = True) -> Match:
    """The schema value `item` stands for in `column` (see module), with how it was found."""
    if decided and item in decided:
        return Match(column, item, decided[item] or None, "choisi")
    key = schema.fold(item)
    if key in _exact(column):
        return Match(column, item, _exact(column)[key], "exact")
    if key in _synonyms().get(column, {}):
        return Match(column, item, _synonyms()[column][key], "synonyme")
    sibling = SIBLINGS.get(column)
    if sibling and (key in _exact(sibling) or key in _synonyms().get(sibling, {})):
        value = _exact(sibling).get(key) or _synonyms()[sibling][key]
        return Match(sibling, item, value, "synonyme")
    if not fuzzy:
        return Match(column, item, None, "inconnu")
    value, how = _fuzzy(column, key)
    return Match(column, item, value, how)


def match_cell(column: str, cell, decided: dict | None = None) -> list[Match]:
    """The matches of a cell: the whole cell when it matches, else each of its items."""
    text = " ".join(str(cell or "").split())
    if not text:
        return []
    items = [item for item in ITEM_SPLIT.split(text) if item]
    whole = match(column, text, decided, fuzzy=len(items) == 1)
    if whole.value or whole.how == "choisi" or len(items) == 1:
        return [whole]
    return [match(column, item, decided) for item in items]
