"""One row of a third-party file ("csv-auto") checked into Site values: every value put into the schema's form, and
each change said (docs/sites-mapping.md, "Fichiers tiers").

- codes that lost their leading zero (`4070`, `4070.0`) get it back; the phone is written in the schema's form and
  reported in the national one; e-mails are trimmed and lower-cased; a web address without scheme gets `https://`;
- opening hours written in French are read into OSM syntax; text that cannot be read leaves the hours empty and is
  kept in the site's review notes;
- services and publics in free text are mapped to the schema's lists when unambiguous (importers.vocabulary);
- damaged text is repaired first, in every column (importers.repair): mojibake ("Ã©") by ftfy, a character lost
  as U+FFFD "�" where one French word fits; what stays damaged is kept and flagged for review, except in the
  commune name, replaced by the official name when the codes designate the commune.
"""

import re
from dataclasses import dataclass, field

from django.utils import timezone

from cnum.sites import opening_hours, schema
from cnum.sites.importers import base, vocabularies
from cnum.sites.importers.repair import (
    DAMAGED,
    DAMAGED_READ_TWICE,
    FROM_ACCENT_BLIND,
    FROM_ADDRESSES,
    FROM_FILE,
    FROM_LOST_SPACES,
    FROM_NATIONAL_LISTS,
    FROM_SPELLING,
    FROM_STRUCTURES,
    LOST_SIGN,
    Lexicon,
    addresses,
    repair,
)
from cnum.sites.importers.vocabulary import map_free_text
from cnum.sites.normalization import Unfixable, normalize_phone, normalize_url, split_emails
from cnum.sites.opening_hours_text import from_text as hours_from_text
from cnum.territories.lookup import normalize_insee, normalize_name, normalize_postal_code
from cnum.territories.models import PostalCode

SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
BARE_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)
URL_SPLIT = re.compile(r"[|;\s]+")
ENUMERATED = (
    "typologie",
    "itinerance",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
)


@dataclass
class AutoRow(base.Row):
    """A row of a third-party file: besides its warnings, what was normalised and what needs a human look."""

    notes: list[tuple[str, str]] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    matches: list = field(default_factory=list)  # vocabularies.Match of the row's values in words
    repairs: int = 0  # damaged text repaired (mojibake, lost characters)

    def note(self, reason: str, value="") -> None:
        self.notes.append((reason, str(value)))

    def flag(self, reason: str, value="") -> None:
        self.review.append(reason)
        self.warn(f"{reason} À vérifier.", value)


def text(row: AutoRow, label: str, value) -> str:
    """The value on one line (repaired by `repair_record` before); a character still lost is flagged for review."""
    cleaned = base.text(value)
    if DAMAGED in cleaned and label != "Commune":
        row.flag(f"{label} « {cleaned} » : caractère illisible (�) gardé tel quel.", cleaned)
    return cleaned


WHERE = {
    FROM_FILE: " (mot écrit intact ailleurs dans le fichier)",
    FROM_STRUCTURES: " (nom d'une structure)",
    FROM_ACCENT_BLIND: " (seule lettre perdue rendue, les autres accents laissés tels qu'écrits)",
    FROM_SPELLING: " (seule lettre que l'orthographe française admet à cette place)",
    FROM_NATIONAL_LISTS: " (mot d'un nom ou d'une adresse des listes nationales de lieux)",
    FROM_LOST_SPACES: " (espaces insécables perdues, rendues comme espaces)",
    FROM_ADDRESSES: " (mot que l'adresse web ou électronique de la ligne écrit sans accent)",
    LOST_SIGN: (
        " (signe perdu retiré : l'adresse web ou électronique de la ligne écrit ce mot sans lettre à cette place)"
    ),
}


def repair_record(row: AutoRow, record: dict, lexicon: Lexicon | None = None) -> dict:
    """Every value with its mojibake undone and its lost characters restored where one French word fits
    (importers.repair, with the import's own `lexicon`); each repair noted on the row, and counted."""
    repaired = {}
    texts = [str(value) for value in record.values() if value]
    # The row's addresses are evidence for a lost character only: read when the row has one.
    spelled = addresses(texts) if any(DAMAGED in text or DAMAGED_READ_TWICE in text for text in texts) else ""
    for column, value in record.items():
        result = repair(value, lexicon, spelled)
        repaired[column] = result.text
        if result.mojibake:
            row.repairs += 1
            row.note(f"{column} : double encodage réparé (« {value} » → « {result.text} »).", value)
        for damaged, word, where in result.restored:
            row.repairs += 1
            row.note(
                f"{column} : caractère perdu restauré, « {damaged} » → « {word} »{WHERE.get(where, '')}.", damaged
            )
        for damaged, words in result.undecided:
            fits = f"plusieurs mots possibles ({', '.join(words)})" if words else "aucun mot français connu"
            row.note(f"{column} : « {damaged} » non restauré, {fits}.", damaged)
    return repaired


def code(row: AutoRow, label: str, value, normalize) -> str:
    """A postal or INSEE code with its lost leading zero back (noted); the raw value when it cannot be one."""
    raw = base.text(value)
    normalized = normalize(raw) if raw else None
    if normalized and normalized != raw:
        row.note(f"{label} « {raw} » → {normalized} (zéro initial perdu ou format tableur).", raw)
    return normalized or raw


def _official_name(postal_code: str, damaged: str) -> str:
    """The one commune of the postal code whose name fits the damaged one (each "�" standing for one letter or two);
    the damaged name itself when none or several fit, so that the lookup reports it."""
    pattern = re.escape(normalize_name(damaged.replace(DAMAGED, "9"))).replace("9", "[A-Z]{1,2}")
    names = {
        name
        for name in PostalCode.objects.filter(code=postal_code).values_list("commune__name", flat=True)
        if re.fullmatch(pattern, normalize_name(name))
    }
    return names.pop() if len(names) == 1 else damaged


def set_place(row: AutoRow, record: dict, *, places) -> None:
    postal_code = code(row, "Code postal", record.get("code_postal"), normalize_postal_code)
    insee = code(row, "Code INSEE", record.get("code_insee"), normalize_insee)
    name = written = text(row, "Commune", record.get("commune"))
    damaged = DAMAGED in name
    if damaged:
        name = "" if normalize_insee(insee) else _official_name(postal_code, name)
    address = text(row, "Adresse", record.get("adresse"))
    base.set_place(row, address=address, postal_code=postal_code, commune_name=name, insee=insee, place_index=places)
    if damaged:
        official = row.values["commune_name"]
        row.note(f"Commune « {written} » abîmée : nom officiel « {official} » retenu.", written)


PHONE_SPLIT = re.compile(r"\s*[|;/]\s*|\s+(?:ou|et)\s+")


def set_phone(row: AutoRow, value) -> None:
    """The first valid number of the cell (or of the phone columns put together); the schema keeps one only, so
    the others are noted as left out."""
    row.values["phone"] = ""
    kept = []
    for raw in dict.fromkeys(part for part in PHONE_SPLIT.split(base.text(value)) if part):
        try:
            phone = normalize_phone(raw)
        except Unfixable as error:
            row.warn(f"{error} Numéro ignoré.", raw)
            continue
        if phone in kept:
            continue
        kept.append(phone)
        if len(kept) > 1:
            row.note(f"Téléphone « {raw} » non repris : le schéma n'en garde qu'un ({_national(kept[0])}).", raw)
            continue
        row.values["phone"] = phone
        if raw != _national(phone):
            row.note(f"Téléphone « {raw} » → {_national(phone)}.", raw)


def _national(phone: str) -> str:
    national = "0" + phone[3:] if phone.startswith("+33") else phone
    if len(national) == 10:
        national = " ".join(national[index : index + 2] for index in range(0, 10, 2))
    return national


def set_emails(row: AutoRow, value) -> None:
    raw = base.text(value)
    valid, invalid = split_emails(raw.lower())
    for email in invalid:
        row.warn("Courriel invalide, ignoré.", email)
    if valid and raw != raw.lower():
        row.note(f"Courriel(s) mis en minuscules : {', '.join(valid)}.", raw)
    row.values["emails"] = valid


def urls(row: AutoRow, value) -> list[str]:
    """Web addresses; `https://` is added to a bare domain (noted); anything else invalid is dropped (warning)."""
    valid = []
    for item in (part for part in URL_SPLIT.split(base.text(value)) if part):
        url = item
        if not SCHEME.match(item) and BARE_DOMAIN.match(item):
            url = f"https://{item}"
            row.note(f"Adresse web « {item} » complétée : {url}.", item)
        try:
            valid.append(normalize_url(url))
        except Unfixable:
            row.warn("Adresse web invalide, ignorée.", item)
    return list(dict.fromkeys(valid))


def set_opening_hours(row: AutoRow, value) -> None:
    raw = " ".join(str(value or "").split())
    row.values["opening_hours"] = ""
    if not raw:
        return
    try:
        row.values["opening_hours"] = hours_from_text(value)
    except opening_hours.OpeningHoursError as error:
        row.flag(f"Horaires non repris : {error}", raw)
        return
    if row.values["opening_hours"] != raw:
        row.note(f"Horaires « {raw} » → {row.values['opening_hours']}.", raw)


def set_free_text(row: AutoRow, column: str, attribute: str, value, decided: dict | None = None) -> None:
    """Services or publics in words (importers.vocabulary), each distinct item kept for the review per value."""
    mapped = map_free_text(column, value, decided)
    row.values[attribute] = mapped.values
    row.matches.extend(mapped.matches)
    for note, item in mapped.notes:
        row.note(note, item)
    for problem, item in mapped.problems:
        row.warn(problem, item)


def set_updated_on(row: AutoRow, value) -> None:
    if base.text(value):
        try:
            row.values["updated_on"] = base.parse_date(value)
            return
        except base.Reject as error:
            row.warn(f"{error.reason} Date du jour retenue.", value)
    row.values["updated_on"] = timezone.localdate()


def set_vocabularies(row: AutoRow, record: dict, decided: dict) -> None:
    """Values in words matched to the schema's lists (importers.vocabularies); an item matched to the sibling list
    goes there; unmatched items are dropped with a warning."""
    for column in ENUMERATED:
        row.values[schema.FIELD_ATTRIBUTES[column]] = []
    for column in ENUMERATED:
        for found in vocabularies.match_cell(column, record.get(column), decided.get(column)):
            row.matches.append(found)
            kept = row.values[schema.FIELD_ATTRIBUTES[found.column]]
            if found.value and found.value not in kept:
                kept.append(found.value)
            elif not found.value and found.how != "choisi":
                reason = "ambiguë" if found.how == "ambigu" else "inconnue"
                row.warn(f"Valeur {reason} pour « {column} » (schéma v1.0.2), non reprise.", found.item)


_not_a_name = base.not_a_name


def set_name(row: AutoRow, record: dict) -> None:
    """The site's name. One that is no name (empty, a number, "11 bis", a SIRET) is rebuilt from the structure's
    name, else the site's type, and the commune ("Centre social — Manosque"), with a warning; without either the
    row is rejected. A name all in capitals is kept and flagged for rewriting."""
    name = text(row, "Nom", record.get("nom"))
    problem = _not_a_name(name)
    if not problem:
        row.values["name"] = base.limited(name, "Nom", "name")
        letters = [char for char in name if char.isalpha()]
        if len(name.split()) > 1 and len(letters) > 10 and all(char.isupper() for char in letters):
            row.flag(f"Nom « {name} » tout en capitales : à réécrire en minuscules accentuées.", name)
        return
    parent = text(row, "Structure parente", record.get("structure_parente"))
    typology = row.values.get("typology") or []
    kind = parent or (schema.typology_labels().get(typology[0], "") if typology else "")
    if not kind:
        raise base.Reject(f"Nom manquant : « {name} » ({problem}), et ni structure ni type pour en composer un.", name)
    rebuilt = base.limited(f"{kind} — {row.values['commune_name']}", "Nom", "name")
    row.values["name"] = rebuilt
    row.flag(f"Nom « {name} » : {problem} ; remplacé par « {rebuilt} ».", name)


def build(
    row: AutoRow, record: dict, *, places, source: str, decided: dict | None = None, lexicon: Lexicon | None = None
) -> None:
    record = repair_record(row, record, lexicon)
    values = row.values
    values["source"] = source
    values["source_id"] = base.limited(base.text(record.get("id")), "Identifiant", "source_id")
    set_place(row, record, places=places)
    base.set_coordinates(row, record.get("latitude"), record.get("longitude"))
    set_updated_on(row, record.get("date_maj"))
    for column, attribute, label in (
        ("complement_adresse", "address_complement", "Complément d'adresse"),
        ("structure_parente", "parent_structure", "Structure parente"),
        ("presentation_resume", "summary", "Présentation résumée"),
    ):
        values[attribute] = base.limited(text(row, label, record.get(column)), label, attribute)
    values["description"] = (record.get("presentation_detail") or "").strip()
    values["other_training_labels"] = base.split_list(record.get("autres_formations_labels"))
    base.set_pivot(row, record.get("pivot"))
    set_phone(row, record.get("telephone"))
    set_emails(row, record.get("courriels"))
    values["websites"] = urls(row, record.get("site_web"))
    for column, attribute in (("prise_rdv", "booking_url"), ("fiche_acces_libre", "accessibility_url")):
        found = urls(row, record.get(column))
        values[attribute] = found[0] if found else ""
    set_opening_hours(row, record.get("horaires"))
    decided = decided or {}
    set_free_text(row, "services", "services", record.get("services"), decided.get("services"))
    publics = "publics_specifiquement_adresses"
    set_free_text(row, publics, "specific_publics", record.get(publics), decided.get(publics))
    set_vocabularies(row, record, decided)
    set_name(row, record)
    values["review_notes"] = list(row.review)
