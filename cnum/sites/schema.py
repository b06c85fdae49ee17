"""The national open-data standard "lieux de médiation numérique" v1.0.2, read from its Table Schema file.

Reference data is data: the columns, their order and the lists of allowed values (the enumerations, written in the
schema as `pattern` regular expressions such as `(?:(?:^|\\|)(Gratuit|Gratuit sous condition|Payant))+$`) are read
from reference/mediation-numerique/schema-lieux-mediation-numerique-v1.0.2.json when first needed, never copied into
the code. The schema gives no list for `typologie`: its description points to data·inclusion's typologies, which
reference/mediation-numerique/typologies-de-structures.csv holds.
"""

import csv
import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SCHEMA_FILE = "schema-lieux-mediation-numerique-v1.0.2.json"
TYPOLOGIES_FILE = "typologies-de-structures.csv"
MULTI_VALUE_SEPARATOR = "|"
# The one shape the schema uses for a closed list: "(?:(?:^|\|)(A|B|C))+$".
ENUMERATION_PATTERN = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((?P<values>.*)\)\)\+\$$")
REGEX_ESCAPE = re.compile(r"\\(.)")

#: Schema column → Site attribute. Columns absent here are computed on export (id, code_insee).
FIELD_ATTRIBUTES = {
    "pivot": "pivot",
    "nom": "name",
    "commune": "commune_name",
    "code_postal": "postal_code",
    "adresse": "address",
    "complement_adresse": "address_complement",
    "latitude": "latitude",
    "longitude": "longitude",
    "typologie": "typology",
    "telephone": "phone",
    "courriels": "emails",
    "site_web": "websites",
    "horaires": "opening_hours",
    "presentation_resume": "summary",
    "presentation_detail": "description",
    "source": "source",
    "itinerance": "mobility",
    "structure_parente": "parent_structure",
    "date_maj": "updated_on",
    "services": "services",
    "publics_specifiquement_adresses": "specific_publics",
    "prise_en_charge_specifique": "specific_support",
    "frais_a_charge": "fees",
    "dispositif_programmes_nationaux": "national_programmes",
    "formations_labels": "training_labels",
    "autres_formations_labels": "other_training_labels",
    "modalites_acces": "access_modes",
    "modalites_accompagnement": "support_modes",
    "fiche_acces_libre": "accessibility_url",
    "prise_rdv": "booking_url",
}
#: Columns holding several values joined with "|"; typologie is one too, though the schema sets no pattern.
MULTI_VALUED = (
    "typologie",
    "courriels",
    "site_web",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
)
FRANCE_SERVICES = "France Services"
ITINERANT = "Itinérant"
FREE = "Gratuit"
ONLINE_APPOINTMENT = "Prendre un RDV en ligne"
FIXED = "Fixe"


#: The national lists of sites shipped in reference/mediation-numerique: the CnFS permanences and France Services.
CNFS_FILE = "cnfs-permanences-2022-12.json"
FRANCE_SERVICES_FILE = "france-services-2022-12-01.csv"


def reference_dir() -> Path:
    return Path(settings.REFERENCE_DIR) / "mediation-numerique"


@functools.cache
def schema() -> dict:
    """The Table Schema v1.0.2, as published."""
    with (reference_dir() / SCHEMA_FILE).open(encoding="utf-8") as file:
        return json.load(file)


def field_names() -> list[str]:
    """The schema's columns, in the schema's order (the order of every export)."""
    return [field["name"] for field in schema()["fields"]]


def field(name: str) -> dict:
    return next(item for item in schema()["fields"] if item["name"] == name)


def required_fields() -> list[str]:
    return [item["name"] for item in schema()["fields"] if item.get("constraints", {}).get("required")]


def pattern(name: str) -> re.Pattern | None:
    text = field(name).get("constraints", {}).get("pattern")
    return re.compile(text) if text else None


def fold(value: str) -> str:
    """Comparison key: no case, no accents, no punctuation spacing ("Etudiants" meets "Étudiants")."""
    text = unicodedata.normalize("NFKD", value.replace("’", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text))


@dataclass(frozen=True)
class Enumeration:
    """The closed list of values of one column, in the schema's order."""

    field: str
    values: tuple[str, ...]

    @functools.cached_property
    def _by_key(self) -> dict[str, str]:
        return {fold(value): value for value in self.values}

    def canonical(self, value: str) -> str | None:
        """The schema's spelling of `value` (case, accents and spacing aside), or None when it is not in the list."""
        return self._by_key.get(fold(value))

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(value, value) for value in self.values]


def _values_of_pattern(text: str) -> tuple[str, ...]:
    match = ENUMERATION_PATTERN.match(text)
    if match is None:
        raise ValueError(f"Motif d'énumération inattendu dans le schéma : {text}")
    return tuple(REGEX_ESCAPE.sub(r"\1", value).strip() for value in match["values"].split("|"))


@functools.cache
def enumeration(name: str) -> Enumeration:
    """The allowed values of a column: read from its pattern, or for `typologie` from the data·inclusion list."""
    if name == "typologie":
        with (reference_dir() / TYPOLOGIES_FILE).open(encoding="utf-8", newline="") as file:
            return Enumeration(field=name, values=tuple(row["value"] for row in csv.DictReader(file)))
    text = field(name).get("constraints", {}).get("pattern")
    if not text:
        raise KeyError(f"La colonne {name} du schéma n'a pas de liste de valeurs.")
    return Enumeration(field=name, values=_values_of_pattern(text))


def enumerated_fields() -> list[str]:
    """Columns whose values come from a closed list."""
    return [name for name in field_names() if name == "typologie" or _is_enumeration(name)]


def _is_enumeration(name: str) -> bool:
    text = field(name).get("constraints", {}).get("pattern")
    return bool(text and ENUMERATION_PATTERN.match(text))


@functools.cache
def typology_labels() -> dict[str, str]:
    with (reference_dir() / TYPOLOGIES_FILE).open(encoding="utf-8", newline="") as file:
        return {row["value"]: row["label"] for row in csv.DictReader(file)}
