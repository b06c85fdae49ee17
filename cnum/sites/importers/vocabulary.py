"""Free-text services and publics of third-party files, mapped to the closed lists of the schema v1.0.2 when the
text points to one value only; a text that points to several is reported as ambiguous, never guessed.

Each value of the schema has keywords (compared without case or accents, as word beginnings); an item is mapped
when it is a value of the list, a v0 label (cnfs_v0.SERVICES_V0), or when its keywords designate exactly one value.
"""

import re
from dataclasses import dataclass

from cnum.sites import schema
from cnum.sites.importers.cnfs_v0 import SERVICES_BY_KEY

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


def _matches(folded: str, keywords: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(keyword)}", folded) for keyword in keywords)


def _one(column: str, item: str) -> tuple[str | None, str, str]:
    """(value, note, problem) for one item of free text."""
    canonical = schema.enumeration(column).canonical(item)
    if canonical:
        return canonical, "", ""
    key = schema.fold(item)
    if column == "services" and key in SERVICES_BY_KEY:
        return SERVICES_BY_KEY[key], f"« {item} » (libellé v0) lu comme « {SERVICES_BY_KEY[key]} ».", ""
    if column != "services" and any(phrase in key for phrase in EVERYONE):
        return None, "", ""
    hits = [value for value, keywords in KEYWORDS[column].items() if _matches(key, keywords)]
    if len(hits) == 1:
        return hits[0], f"« {item} » lu comme « {hits[0]} ».", ""
    if hits:
        return None, "", f"« {item} » ambigu ({' ou '.join(hits)}) : non repris, à préciser."
    return None, "", f"« {item} » ne correspond à aucune valeur de « {column} » du schéma : non repris."


def map_free_text(column: str, value) -> Mapped:
    """Items of `value` (separated by | ; , / or new lines) as values of the schema's list `column`."""
    result = Mapped([], [], [])
    for item in (part.strip() for part in ITEM_SPLIT.split(str(value or "")) if part.strip()):
        mapped, note, problem = _one(column, item)
        if mapped and mapped not in result.values:
            result.values.append(mapped)
        if note:
            result.notes.append((note, item))
        if problem:
            result.problems.append((problem, item))
    return result
