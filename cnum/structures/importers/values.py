"""Read the values people put in structure files and forms, liberally: case, accents and punctuation do not matter.

Every reader returns None for what it does not understand, so that the caller rejects the value with its reason
rather than guessing.
"""

import re
import unicodedata

from cnum.structures.enums import StructureType

WORDS = re.compile(r"[a-z0-9]+")
# Words that add nothing to a structure type: "Association loi 1901", "Commune de …", "Entreprise privée (SAS)".
NOISE = frozenset({"loi", "1901", "1908", "de", "d", "du", "des", "la", "le", "l", "les", "et", "type", "structure"})


def words(text) -> list[str]:
    """Lower-case ASCII words: "Communauté d'Agglomération" → ["communaute", "d", "agglomeration"]."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").replace("œ", "oe").replace("Œ", "OE"))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return WORDS.findall(ascii_text)


def key(text) -> str:
    """A comparison key insensitive to case, accents, spaces and punctuation: "Code INSEE" → "codeinsee"."""
    return "".join(words(text))


def _type_key(text) -> str:
    return " ".join(word for word in words(text) if word not in NOISE)


#: What files and people write for each structure type (DOMAIN.md "Structure types"), beyond the value and label.
#: The upper-case values of the first national platform (COMMUNE, EPCI, PRIVATE…) are the values themselves.
STRUCTURE_TYPE_SYNONYMS: dict[StructureType, tuple[str, ...]] = {
    StructureType.COMMUNE: ("commune", "mairie", "ville", "municipalite", "collectivite commune"),
    StructureType.EPCI: (
        "epci",
        "intercommunalite",
        "communaute communes",
        "communaute agglomeration",
        "communaute urbaine",
        "metropole",
        "cc",
        "ca",
        "cu",
    ),
    StructureType.DEPARTEMENT: ("departement", "conseil departemental", "conseil general", "collectivite departement"),
    StructureType.REGION: ("region", "conseil regional", "collectivite region"),
    StructureType.COLLECTIVITE: (
        "collectivite",
        "collectivite territoriale",
        "autre collectivite",
        "collectivite outre mer",
        "collectivite statut particulier",
        "collectivite unique",
    ),
    StructureType.GIP: ("gip", "groupement interet public"),
    StructureType.ASSOCIATION: ("association", "asso"),
    StructureType.PRIVATE: (
        "private",
        "privee",
        "prive",
        "structure privee",
        "autre structure privee",
        "autre privee",
        "entreprise",
        "entreprise privee",
        "societe",
        "fondation",
        "mutuelle",
        "cooperative",
        "scic",
        "scop",
        "sas",
        "sarl",
    ),
}
_TYPES_BY_KEY = {
    _type_key(text): structure_type
    for structure_type, synonyms in STRUCTURE_TYPE_SYNONYMS.items()
    for text in (structure_type.value, structure_type.label, *synonyms)
}


def parse_structure_type(value) -> StructureType | None:
    """The structure type a file means ("COMMUNE", "Association loi 1901", "communauté de communes"), or None."""
    return _TYPES_BY_KEY.get(_type_key(value))


def accepted_structure_types() -> str:
    """For error messages: "commune (Commune), epci (EPCI), …"."""
    return ", ".join(f"{choice.value} ({choice.label})" for choice in StructureType)


TRUE_VALUES = frozenset({"oui", "o", "yes", "y", "1", "true", "vrai", "x", "v"})
FALSE_VALUES = frozenset({"non", "n", "no", "0", "false", "faux", ""})


def parse_bool(value) -> bool | None:
    """oui/non, 1/0, true/false, vrai/faux, x, or an empty cell (non); None for anything else."""
    text = key(value)
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    return None


def split_list(value) -> list[str]:
    """The items of a cell joined with "|" or ",", stripped, empty ones dropped, first occurrence kept."""
    items = (item.strip() for item in re.split(r"[|,]", str(value or "")))
    return list(dict.fromkeys(item for item in items if item))
