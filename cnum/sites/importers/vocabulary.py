"""Free-text services and publics of third-party files, mapped to the closed lists of the schema v1.0.2 when the
text points to one value only; a text that points to several is reported as ambiguous, never guessed.

Each value of the schema has keywords (compared without case or accents, as word beginnings); an item is mapped
when a person decided what it stands for (the assistant, the mapping file's "valeurs", the source's saved ones: one
value or several), when it is a value of the list, a v0 label (cnfs_v0.SERVICES_V0), or when its keywords designate
exactly one value. Each item gives a `vocabularies.Match`, so that the assistant shows every distinct item with
what it became, as for the other lists.
"""

import re
from dataclasses import dataclass, field

from cnum.sites import schema
from cnum.sites.importers.cnfs_v0 import SERVICES_BY_KEY
from cnum.sites.importers.vocabularies import Match

SERVICE_KEYWORDS = {
    "Aide aux démarches administratives": ("demarche", "administrati", "impots", "caf", "ameli", "france connect"),
    "Maîtrise des outils numériques du quotidien": (
        "smartphone",
        "tablette",
        "ordinateur",
        "outils numeriques",
        "bureautique",
        "prise en main",
        "initiation",
        "quotidien",
    ),
    "Insertion professionnelle via le numérique": ("emploi", "insertion", "cv", "professionnel"),
    "Utilisation sécurisée du numérique": ("securi", "cybersecurite", "arnaque", "donnees personnelles"),
    "Parentalité et éducation avec le numérique": ("parentalite", "education", "scolaire"),
    "Loisirs et créations numériques": ("loisir", "creation", "photo", "jeu video", "jeux video"),
    "Compréhension du monde numérique": ("culture numerique", "citoyennete", "comprehension", "reseaux sociaux"),
    "Accès internet et matériel informatique": ("acces", "internet", "wifi", "connexion", "materiel", "imprim"),
    "Acquisition de matériel informatique à prix solidaire": ("prix solidaire", "reconditionn", "materiel", "achat"),
}
PUBLIC_KEYWORDS = {
    "Jeunes": ("jeune", "adolescent", "ado"),
    "Étudiants": ("etudiant",),
    "Familles et/ou enfants": ("famille", "enfant", "parent"),
    "Seniors": ("senior", "personnes agees", "retraite", "aine"),
    "Femmes": ("femme",),
}
#: Texts that mean "no specific public": nothing to map, and nothing to report.
EVERYONE = ("tout public", "tous publics", "tous les publics", "tout le monde")
ITEM_SPLIT = re.compile(r"\s*[|;,/\n]\s*")
KEYWORDS = {"services": SERVICE_KEYWORDS, "publics_specifiquement_adresses": PUBLIC_KEYWORDS}


@dataclass
class Mapped:
    values: list[str]
    notes: list[tuple[str, str]]  # (French note, item): read through a synonym
    problems: list[tuple[str, str]]  # (French reason, item): not mapped
    matches: list[Match] = field(default_factory=list)  # one per item, for the review per distinct value


def _matches(folded: str, keywords: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(keyword)}", folded) for keyword in keywords)


def _decided(column: str, item: str, decision) -> tuple[Match, str]:
    """A person's decision for `item` (a value, a list of values or None), the values outside the list left out."""
    chosen = decision if isinstance(decision, list) else [decision] if decision else []
    enumeration = schema.enumeration(column)
    values = [enumeration.canonical(value) for value in chosen]
    kept = [value for value in values if value]
    unknown = [value for value, found in zip(chosen, values, strict=True) if not found]
    problem = (
        f"Choix « {', '.join(map(str, unknown))} » pour « {item} » : pas une valeur de « {column} »."
        if unknown
        else ""
    )
    return Match(column, item, kept, "choisi"), problem


def _one(column: str, item: str, decided: dict) -> tuple[Match, str, str]:
    """(match, note, problem) for one item of free text."""
    if item in decided:
        found, problem = _decided(column, item, decided[item])
        return found, "", problem
    canonical = schema.enumeration(column).canonical(item)
    if canonical:
        return Match(column, item, canonical, "exact"), "", ""
    key = schema.fold(item)
    if column == "services" and key in SERVICES_BY_KEY:
        value = SERVICES_BY_KEY[key]
        return Match(column, item, value, "libelle_v0"), f"« {item} » (libellé v0) lu comme « {value} ».", ""
    if column != "services" and any(phrase in key for phrase in EVERYONE):
        return Match(column, item, None, "tout_public"), "", ""
    hits = [value for value, keywords in KEYWORDS[column].items() if _matches(key, keywords)]
    if len(hits) == 1:
        return Match(column, item, hits[0], "mots_cles"), f"« {item} » lu comme « {hits[0]} ».", ""
    if hits:
        problem = f"« {item} » ambigu ({' ou '.join(hits)}) : non repris, à préciser."
        return Match(column, item, None, "ambigu", tuple(hits)), "", problem
    problem = f"« {item} » ne correspond à aucune valeur de « {column} » du schéma : non repris."
    return Match(column, item, None, "inconnu"), "", problem


def map_free_text(column: str, value, decided: dict | None = None) -> Mapped:
    """Items of `value` (separated by | ; , / or new lines) as values of the schema's list `column`; `decided`
    ({item: value, [values] or None}) holds a person's decisions."""
    result = Mapped([], [], [])
    for item in dict.fromkeys(part.strip() for part in ITEM_SPLIT.split(str(value or "")) if part.strip()):
        found, note, problem = _one(column, item, decided or {})
        result.matches.append(found)
        for mapped in found.values:
            if mapped not in result.values:
                result.values.append(mapped)
        if note:
            result.notes.append((note, item))
        if problem:
            result.problems.append((problem, item))
    return result
