"""Import employer structures from a CSV file, as people export it from a spreadsheet.

Liberal in what it reads: UTF-8 (with or without BOM) or Windows-1252; `;`, `,` or tab as delimiter; column names
matched without regard to case, accents, spaces or punctuation, with synonyms (COLUMNS). Strict in what it keeps:
each row is checked whole (identifier, name, type, commune through cnum.territories.lookup, yes/no values), a row
with any problem is rejected with its line and reason, and the good rows are applied in one transaction
(cnum.structures.importers.sync). A problem with the file itself (unreadable, required columns missing) rejects the
file: nothing is written.
"""

import codecs
import csv
import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cnum.core.imports import Column, ImportReport
from cnum.core.tabular import read_cell
from cnum.structures.identifiers import identify
from cnum.structures.importers.sync import StructureRow, structures_sync
from cnum.structures.importers.values import (
    accepted_structure_types,
    key,
    parse_bool,
    parse_structure_type,
    split_list,
)
from cnum.structures.models import Hub, Structure
from cnum.territories.lookup import find_commune, normalize_postal_code

FORMAT_NAME = "structures-csv"
DELIMITERS = (";", ",", "\t")

#: Canonical column → the names files use for it (compared with importers.values.key).
COLUMNS: dict[str, tuple[str, ...]] = {
    "siret": (
        "siret",
        "numero_siret",
        "n_siret",
        "no_siret",
        "siret_structure",
        "identifiant",
        "siret_ridet_rna",
        "siret_ou_rna",
    ),
    "nom": ("nom", "raison_sociale", "denomination", "nom_structure", "nom_de_la_structure"),
    "type": ("type", "type_structure", "type_de_structure"),
    "code_insee": ("code_insee", "insee", "code_commune", "code_commune_insee"),
    "code_postal": ("code_postal", "cp"),
    "commune": ("commune", "ville", "nom_commune"),
    "adresse": ("adresse", "adresse_postale"),
    "qpv": ("qpv", "quartier_prioritaire"),
    "zrr": ("zrr", "frr", "zrr_frr"),
    "france_services": ("france_services", "label_france_services"),
    "hub": ("hub", "hub_territorial"),
    "reseaux": ("reseaux", "reseau", "reseaux_nationaux", "grands_reseaux"),
    "contact_nom": ("contact_nom", "nom_contact", "nom_du_contact"),
    "contact_prenom": ("contact_prenom", "prenom_contact", "prenom_du_contact"),
    "contact_fonction": ("contact_fonction", "fonction_contact", "fonction_du_contact"),
    "contact_email": ("contact_email", "email_contact", "contact_courriel", "courriel_contact", "email", "courriel"),
    "contact_telephone": ("contact_telephone", "telephone_contact", "contact_tel", "telephone"),
    "id": ("id", "source_id", "identifiant_source"),
}
_CANONICAL = {key(name): canonical for canonical, names in COLUMNS.items() for name in names}
REQUIRED = ("siret", "nom", "type")
#: What each column holds, for the upload page and the template file (cnum.core.imports.Column).
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "siret": ("SIRET (14 chiffres), RIDET ou RNA de la structure.", "13002526500013"),
    "nom": ("Nom de la structure.", "Médiathèque de Valence"),
    "type": ("Type de structure : commune, association, département…", "commune"),
    "code_insee": ("Code INSEE de la commune du siège, ou code_postal et commune.", "26362"),
    "code_postal": ("Code postal, avec le nom de la commune si le code INSEE manque.", "26000"),
    "commune": ("Nom de la commune.", "Valence"),
    "adresse": ("Adresse postale.", "1 place de la Liberté"),
    "qpv": ("En quartier prioritaire : oui ou non.", "non"),
    "zrr": ("En zone de revitalisation rurale (France Ruralités Revitalisation) : oui ou non.", "non"),
    "france_services": ("Labellisée France Services : oui ou non.", "non"),
    "hub": ("Nom du hub territorial.", ""),
    "reseaux": ("Réseaux nationaux, séparés par des virgules.", ""),
    "contact_nom": ("Nom de la personne à contacter.", ""),
    "contact_prenom": ("Prénom de la personne à contacter.", ""),
    "contact_fonction": ("Fonction de la personne à contacter.", ""),
    "contact_email": ("Adresse électronique de la personne à contacter.", ""),
    "contact_telephone": ("Téléphone de la personne à contacter.", ""),
    "id": ("Identifiant de la structure dans votre fichier.", ""),
}
IMPORT_COLUMNS = tuple(
    Column(name, name in REQUIRED, *DESCRIPTIONS[name])
    for name in sorted(COLUMNS, key=lambda name: name not in REQUIRED)
)
BOOLEAN_COLUMNS = {"qpv": "qpv", "zrr": "zrr", "france_services": "france_services"}
TEXT_COLUMNS = {
    "adresse": "address",
    "contact_nom": "contact_last_name",
    "contact_prenom": "contact_first_name",
    "contact_fonction": "contact_role",
}


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message, in French, says why."""


@dataclass
class StructureImportReport(ImportReport):
    encoding: str = ""
    delimiter: str = ""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line of the row's start, cells)
    encoding: str
    delimiter: str


@dataclass
class Context:
    """What every row is checked against: the columns of the file and the hubs."""

    columns: dict[str, int]
    hubs: dict[str, int]
    report: StructureImportReport
    seen_identifiers: dict[str, int] = field(default_factory=dict)
    seen_source_ids: dict[str, int] = field(default_factory=dict)


def run(*, path: Path, dry_run: bool, progress: Callable | None = None, **options) -> StructureImportReport:
    """Import the structures of a CSV file; with dry_run, report what would happen and write nothing."""
    report = StructureImportReport(format=FORMAT_NAME, dry_run=dry_run)
    try:
        table = read_table(Path(path))
        columns = map_columns(table.header, report)
    except FileRejected as error:
        report.fatal = str(error)
        report.reject(1, f"Fichier refusé, rien n'a été enregistré : {error}")
        return report
    report.encoding, report.delimiter = table.encoding, table.delimiter
    report.total = len(table.rows)
    context = Context(columns=columns, hubs=_hubs(), report=report)
    rows = []
    for line, cells in (progress or _no_progress)(table.rows, total=len(table.rows), desc="Structures"):
        row = parse_row(line, cells, context)
        if row is not None:
            rows.append(row)
    structures_sync(rows, report=report, dry_run=dry_run, source=FORMAT_NAME, description=f"Import {Path(path).name}")
    report.rejected.sort(key=lambda problem: problem.line)
    report.warnings.sort(key=lambda problem: problem.line)
    return report


def _no_progress(iterable: Iterable, **kwargs) -> Iterable:
    return iterable


def _hubs() -> dict[str, int]:
    return {key(name): pk for pk, name in Hub.objects.values_list("pk", "name")}


# --- the file -----------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (a BOM is dropped), else Windows-1252, as spreadsheets write it."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "UTF-8 (BOM)" if bom else "UTF-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; a file that uses them is not text anyway.
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line in most columns (`;` wins ties, as French spreadsheets use it)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ";"


def read_table(path: Path) -> Table:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileRejected(f"fichier illisible ({error.strerror or error}).") from error
    text, encoding = decode(data)
    text = text.replace("\x00", "")  # NUL means nothing in a CSV, and PostgreSQL refuses it in text
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise FileRejected("fichier vide : une ligne d'en-tête et des lignes de structures sont attendues.")
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header, rows, previous_end = None, [], 0
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
            else:
                rows.append((start, cells))
    except csv.Error as error:
        raise FileRejected(f"CSV mal formé à la ligne {reader.line_num} : {error}.") from error
    if header is None:  # only quotes and blanks: a line that is not blank as text, but blank as CSV cells
        raise FileRejected("fichier vide : une ligne d'en-tête et des lignes de structures sont attendues.")
    return Table(header=header, rows=rows, encoding=encoding, delimiter=delimiter)


def map_columns(header: list[str], report: ImportReport) -> dict[str, int]:
    """Canonical column → its position; unknown columns are reported and ignored, missing required ones fatal."""
    columns, unknown = {}, []
    for position, name in enumerate(header):
        canonical = _CANONICAL.get(key(name))
        if canonical is None:
            if name:
                unknown.append(name)
        elif canonical in columns:
            first = header[columns[canonical]]
            raise FileRejected(f"deux colonnes désignent « {canonical} » : « {first} » et « {name} ».")
        else:
            columns[canonical] = position
    missing = [name for name in REQUIRED if name not in columns]
    if "code_insee" not in columns and not {"code_postal", "commune"} <= columns.keys():
        missing.append("code_insee (ou code_postal et commune)")
    if missing:
        raise FileRejected(
            f"colonne(s) obligatoire(s) manquante(s) : {', '.join(missing)}. Colonnes lues : {', '.join(header)}."
        )
    if unknown:
        report.warn(1, f"Colonne(s) non reconnue(s), ignorée(s) : {', '.join(unknown)}.")
    return columns


# --- one row ------------------------------------------------------------------------------------------------


class RowProblems(list):
    """The problems of one row; the row is rejected with all of them."""

    def add(self, reason: str, value: str = "") -> None:
        self.append((reason, value))


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    position = columns.get(name)
    # A cell cnum's own export quoted against formulas (cnum.core.tabular.safe_cell) reads back as it was.
    return read_cell(cells[position].strip()) if position is not None and position < len(cells) else ""


def parse_row(line: int, cells: list[str], context: Context) -> StructureRow | None:
    """The row as model values, or None after rejecting it with every problem found."""
    columns, report = context.columns, context.report
    get = functools.partial(_cell, cells, columns)
    problems = RowProblems()
    values: dict = {}
    identifier = _identifier(get("siret"), problems)
    _name_and_type(get, values, problems)
    _commune(get, columns, values, problems, line, report)
    for column, field_name in BOOLEAN_COLUMNS.items():
        if column in columns:
            _boolean(column, get(column), field_name, values, problems)
    for column, field_name in TEXT_COLUMNS.items():
        if column in columns:
            _text(column, get(column), field_name, values, problems)
    _contact(get, columns, values, line, report)
    if "hub" in columns:
        _hub(get("hub"), context.hubs, values, line, report)
    if problems:
        reason, value = " ; ".join(reason for reason, _ in problems), problems[0][1]
        report.reject(line, reason, value)
        return None
    source_id = get("id")
    duplicate = _duplicate(line, identifier.value, source_id, context)
    if duplicate:
        report.reject(line, duplicate, identifier.display)
        return None
    values["identifier"], values["identifier_kind"] = identifier.value, identifier.kind
    networks = split_list(get("reseaux")) if "reseaux" in columns else None
    return StructureRow(line=line, values=values, networks=networks, source_id=source_id)


def _identifier(value: str, problems: RowProblems):
    try:
        return identify(value)
    except ValidationError as error:
        problems.add(" ".join(error.messages), value)
        return None


def _name_and_type(get, values: dict, problems: RowProblems) -> None:
    name = " ".join(get("nom").split())
    max_length = Structure._meta.get_field("name").max_length
    if not name:
        problems.add("Nom de la structure manquant.")
    elif len(name) > max_length:
        problems.add(f"Nom trop long : {len(name)} caractères, {max_length} au plus.", name[:60])
    values["name"] = name
    structure_type = parse_structure_type(get("type"))
    if structure_type is None:
        raw = get("type")
        reason = f"Type de structure « {raw} » inconnu" if raw else "Type de structure manquant"
        problems.add(f"{reason}. Valeurs acceptées : {accepted_structure_types()}.", raw)
    values["type"] = structure_type


def _commune(get, columns, values: dict, problems: RowProblems, line: int, report) -> None:
    insee, postal_code, name = get("code_insee"), get("code_postal"), get("commune")
    if not insee and not postal_code:
        problems.add("Commune manquante : indiquez le code INSEE, ou le code postal et le nom de la commune.")
        return
    result = find_commune(insee=insee, postal_code=postal_code, name=name)
    if not result.ok:
        problems.add(f"Commune non retenue : {result.reason}", " ".join(filter(None, (insee, postal_code, name))))
        return
    if result.notes:
        report.warn(line, f"Commune {result.name} ({result.code}) : {' '.join(result.notes)}")
    values["commune_id"] = result.commune_id
    if "code_postal" in columns:
        values["postal_code"] = normalize_postal_code(postal_code) or ""


def _boolean(column: str, value: str, field_name: str, values: dict, problems: RowProblems) -> None:
    parsed = parse_bool(value)
    if parsed is None:
        problems.add(f"Valeur « {value} » non reconnue pour {column} : oui ou non attendu (ou 1/0, x, vide).", value)
    values[field_name] = parsed


def _text(column: str, value: str, field_name: str, values: dict, problems: RowProblems) -> None:
    max_length = Structure._meta.get_field(field_name).max_length
    if len(value) > max_length:
        problems.add(f"{column} trop long : {len(value)} caractères, {max_length} au plus.", value[:60])
    values[field_name] = value


def _contact(get, columns, values: dict, line: int, report) -> None:
    """A contact address or phone that cannot be kept is a warning, not a reason to refuse the structure."""
    if "contact_email" in columns:
        email = get("contact_email")
        try:
            if email:
                validate_email(email)
            values["contact_email"] = email.lower()
        except ValidationError:
            report.warn(line, "Courriel du contact invalide : non enregistré.", email)
    if "contact_telephone" in columns:
        phone = " ".join(get("contact_telephone").split())
        max_length = Structure._meta.get_field("contact_phone").max_length
        if len(phone) > max_length:
            reason = f"Téléphone du contact trop long ({max_length} caractères au plus) : non enregistré."
            report.warn(line, reason, phone)
        else:
            values["contact_phone"] = phone


def _hub(value: str, hubs: dict[str, int], values: dict, line: int, report) -> None:
    if not value:
        values["hub_id"] = None
    elif key(value) in hubs:
        values["hub_id"] = hubs[key(value)]
    else:
        report.warn(line, f"Hub « {value} » inconnu (les hubs sont chargés par load_hubs) : non enregistré.", value)


def _duplicate(line: int, identifier: str, source_id: str, context: Context) -> str:
    if identifier in context.seen_identifiers:
        return f"Doublon de la ligne {context.seen_identifiers[identifier]} (même identifiant)."
    if source_id and source_id in context.seen_source_ids:
        return f"Doublon de la ligne {context.seen_source_ids[source_id]} (même id « {source_id} »)."
    context.seen_identifiers[identifier] = line
    if source_id:
        context.seen_source_ids[source_id] = line
    return ""
