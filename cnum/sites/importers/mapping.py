"""Which column of a third-party file holds which column of the national schema v1.0.2 ("csv-auto").

Headers are compared once normalized (lower case, no accents, spaces and hyphens as "_": `files.header_key`) against
the schema's own names and a table of synonyms seen in regional and departmental files. The guess is shown, can be
corrected (a JSON file `{"column in file": "schema column" | null}` or the upload page's form), and the mapping used
for a source is saved and reused for its next file (docs/sites-mapping.md, "Fichiers tiers").

Some schema columns are composed from several columns of the file (`COMPOSABLE`): the street number, its "bis" and the
street name give `adresse`, several phone or e-mail columns give one list. Mapping two columns to such a column is a
composition, not a conflict. One column holding "latitude, longitude" maps to the pseudo-column `coordonnees`.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from cnum.core import jsontext
from cnum.sites import schema
from cnum.sites.importers import required
from cnum.sites.importers.files import UnreadableFile, header_key
from cnum.sites.models import Site, SiteSourceMapping

#: Parts of a street address, each with its rank in the composed `adresse` ("12" "bis" "rue" "de la Paix").
ADDRESS_PARTS = {
    **dict.fromkeys(("numero", "adresse_numero", "numero_voie", "num_voie", "no_voie", "n_voie", "n", "no"), 0),
    **dict.fromkeys(("indice_repetition", "adresse_indice", "btq", "complement_numero", "bis_ter"), 1),
    **dict.fromkeys(("type_voie", "adresse_type_voie", "type_de_voie"), 2),
    **dict.fromkeys(("adresse_rue", "nom_voie", "libelle_voie", "nom_de_la_voie", "adresse_nom_voie"), 3),
}
#: Schema columns a file may give in several columns, and how their values are put together.
TEXT_COMPOSABLE = {"adresse": " ", "complement_adresse": ", ", "presentation_detail": "\n"}
LIST_COMPOSABLE = frozenset(
    {
        *("courriels", "telephone", "site_web", "services", "publics_specifiquement_adresses", "typologie"),
        *("modalites_acces", "modalites_accompagnement", "dispositif_programmes_nationaux", "formations_labels"),
        *("prise_en_charge_specifique", "frais_a_charge"),
    }
)
COMPOSABLE = frozenset({*TEXT_COMPOSABLE, *LIST_COMPOSABLE})
COORDINATES = "coordonnees"  # one column "latitude, longitude"
#: Normalized header → schema column. The schema's own names map to themselves (see `target_for`).
SYNONYMS = {
    **dict.fromkeys(("identifiant", "id_lieu", "id_fs", "identifiant_lieu", "uid", "ref", "reference"), "id"),
    **dict.fromkeys(
        (
            *("name", "raison_sociale", "nom_du_lieu", "nom_lieu", "lib_fs", "libelle", "denomination"),
            *("nom_structure", "nom_de_la_structure", "nom_de_l_organisation", "nom_organisation", "nom_du_site"),
        ),
        "nom",
    ),
    **dict.fromkeys(("siret", "siren", "rna", "numero_siret"), "pivot"),
    **dict.fromkeys(("voie", "adresse_voie", "adresse_postale", "address", "rue", "numero_et_voie"), "adresse"),
    **dict.fromkeys(ADDRESS_PARTS, "adresse"),
    **dict.fromkeys(("complement", "adresse_complement", "complement_d_adresse"), "complement_adresse"),
    **dict.fromkeys(("adresse_code_postal", "cp", "postcode", "code_postale", "zip"), "code_postal"),
    **dict.fromkeys(("adresse_code_insee", "insee", "code_commune", "insee_com", "code_insee_commune"), "code_insee"),
    **dict.fromkeys(("ville", "adresse_commune", "lib_com", "localite", "city", "nom_commune"), "commune"),
    **dict.fromkeys(("lat", "y", "coordonnees_latitude"), "latitude"),
    **dict.fromkeys(("coordonnees", "coordonnees_gps", "geolocalisation", "lat_lon", "latlon", "gps"), "coordonnees"),
    **dict.fromkeys(("lon", "lng", "long", "x", "coordonnees_longitude"), "longitude"),
    **dict.fromkeys(
        ("horaires_ouverture_osm", "horaires_osm", "horaires_d_ouverture", "horaires_ouverture", "opening_hours"),
        "horaires",
    ),
    **dict.fromkeys(("contact_email", "courriel", "email", "mail", "e_mail", "adresse_mail"), "courriels"),
    **dict.fromkeys(
        (
            *("tel", "contact_telephone", "phone", "telephone_contact", "numero_de_telephone", "contact_tel"),
            *("fixe", "mobile", "portable", "telephone_fixe", "telephone_mobile", "telephone_portable", "tel_fixe"),
            *("tel_portable", "telephone_2", "tel_2", "autre_telephone"),
        ),
        "telephone",
    ),
    **dict.fromkeys(
        (
            "url",
            "contact_site_internet",
            "site_internet",
            "website",
            "site",
            "contact_web",
            "url_lieu",
            "site_web_lieu",
        ),
        "site_web",
    ),
    **dict.fromkeys(
        (
            "type",
            "type_lieu",
            "type_de_lieu",
            "type_structure",
            "type_de_structure",
            "typologie_structure",
            "categorie",
        ),
        "typologie",
    ),
    **dict.fromkeys(("itinerant", "mobile_itinerant", "lieu_itinerant"), "itinerance"),
    **dict.fromkeys(("tarifs", "tarif", "frais", "cout"), "frais_a_charge"),
    **dict.fromkeys(("structure_porteuse", "organisme_porteur", "porteur"), "structure_parente"),
    **dict.fromkeys(("labels", "label", "dispositifs", "programmes_nationaux"), "dispositif_programmes_nationaux"),
    **dict.fromkeys(("modalite_acces", "acces", "conditions_acces"), "modalites_acces"),
    **dict.fromkeys(("modalite_accompagnement", "accompagnement", "type_accompagnement"), "modalites_accompagnement"),
    **dict.fromkeys(("publics", "publics_accueillis", "public", "public_cible"), "publics_specifiquement_adresses"),
    **dict.fromkeys(("description", "commentaire", "presentation"), "presentation_detail"),
    **dict.fromkeys(("resume", "presentation_resumee"), "presentation_resume"),
    **dict.fromkeys(
        ("date_mise_a_jour", "date_de_mise_a_jour", "derniere_mise_a_jour", "maj", "mise_a_jour"), "date_maj"
    ),
    **dict.fromkeys(("rdv", "prise_de_rendez_vous", "rendez_vous"), "prise_rdv"),
}
NOT_IMPORTED = "source"  # the source is given by the import (--source), never by a column


def targets() -> list[tuple[str, str]]:
    """(schema column, French label) of every column a file column may be mapped to."""
    labels = {"id": "identifiant dans la source", "code_insee": "code INSEE de la commune"}
    for name, attribute in schema.FIELD_ATTRIBUTES.items():
        labels[name] = str(Site._meta.get_field(attribute).verbose_name)
    fields = [(name, f"{name} — {labels[name]}") for name in schema.field_names() if name != NOT_IMPORTED]
    return [*fields, (COORDINATES, f"{COORDINATES} — latitude et longitude dans une seule colonne (« 44.19, 6.22 »)")]


def target_for(column: str) -> str | None:
    key = header_key(column)
    known = {name for name, _label in targets()}
    if key in known:
        return key
    return SYNONYMS.get(key)


@dataclass
class Mapping:
    """column in file → schema column (None: ignored), and where the mapping comes from, in French."""

    columns: dict[str, str | None]
    origin: str
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields without a column, with their candidates

    @property
    def ignored(self) -> list[str]:
        return [column for column, target in self.columns.items() if target is None]

    def compositions(self) -> list[str]:
        """One note per schema column composed from several columns of the file."""
        notes = []
        for target, columns in composed(self.columns).items():
            if len(columns) > 1:
                joined = " + ".join(f"« {column} »" for column in columns)
                notes.append(f"{target} composé de {joined}.")
        return notes

    def lines(self) -> list[str]:
        used = [f"« {column} » → {target}" for column, target in self.columns.items() if target]
        lines = [f"Correspondance des colonnes ({self.origin}) : {', '.join(used)}."]
        if self.ignored:
            lines.append(f"Colonnes ignorées : {', '.join(f'« {column} »' for column in self.ignored)}.")
        return [*lines, *self.notes]


def guess(header: list[str]) -> Mapping:
    """The guess from the header alone; a second column for the same schema column is ignored, with a note."""
    columns, notes, taken = {}, [], {}
    for column in header:
        target = target_for(column)
        clashes = {COORDINATES: ("latitude", "longitude"), "latitude": (COORDINATES,), "longitude": (COORDINATES,)}
        if target in clashes and any(name in taken for name in clashes[target]):
            clash = next(taken[name] for name in clashes[target] if name in taken)
            notes.append(f"« {column} » ignorée : « {clash} » fournit déjà les coordonnées.")
            target = None
        elif target and target in taken and target not in COMPOSABLE:
            notes.append(f"« {column} » ignorée : « {taken[target]} » fournit déjà {target}.")
            target = None
        if target:
            taken.setdefault(target, column)
        columns[column] = target
    guessed = Mapping(columns, "devinée d'après l'en-tête", notes)
    guessed.notes.extend(guessed.compositions())
    return guessed


def problems(columns: dict[str, str | None]) -> list[str]:
    """What makes a mapping unusable, in French (empty when it can be used). Missing required fields are the
    business of `importers.required`, which looks for the columns that could give them."""
    known = {name for name, _label in targets()}
    found = []
    for column, target in columns.items():
        if target is not None and target not in known:
            found.append(f"« {target} » (colonne « {column} ») n'est pas une colonne du schéma.")
    chosen = [target for target in columns.values() if target]
    for target in sorted({target for target in chosen if chosen.count(target) > 1} - COMPOSABLE):
        found.append(f"Plusieurs colonnes du fichier vont dans « {target} » : une seule est possible.")
    if COORDINATES in chosen and {"latitude", "longitude"} & set(chosen):
        found.append(f"« {COORDINATES} » et latitude/longitude séparées : choisissez l'un ou l'autre.")
    return found


def composed(columns: dict[str, str | None]) -> dict[str, list[str]]:
    """Schema column → the file's columns that give it, in the order their values are put together (address parts
    by rank — number, "bis", type of street, street —, other columns in the file's order)."""
    by_target: dict[str, list[str]] = {}
    for column, target in columns.items():
        if target:
            by_target.setdefault(target, []).append(column)
    if "adresse" in by_target:
        by_target["adresse"].sort(key=lambda column: ADDRESS_PARTS.get(header_key(column), 3))
    return by_target


def record(columns: dict[str, str | None], cells: list[str]) -> dict[str, str]:
    """The row's values by schema column, composed columns put together (empty parts left out)."""
    values = dict(zip(columns, cells, strict=False))
    result = {}
    for target, sources in composed(columns).items():
        parts = [" ".join(values[column].split()) for column in sources if values.get(column, "").strip()]
        if target in TEXT_COMPOSABLE:
            result[target] = TEXT_COMPOSABLE[target].join(parts)
        elif target in LIST_COMPOSABLE:
            result[target] = "|".join(parts) if len(sources) > 1 else (values.get(sources[0]) or "")
        else:
            result[target] = values.get(sources[0]) or ""
    if COORDINATES in result:
        result["latitude"], result["longitude"] = split_coordinates(result.pop(COORDINATES))
    return result


def split_coordinates(value: str) -> tuple[str, str]:
    """ "44.19, 6.22", "44.19;6.22", "44,19 ; 6,22" or "44.19 6.22" → ("44.19", "6.22"); the whole value twice when
    it is not two numbers, so that the row is rejected with it."""
    text = " ".join(str(value or "").split())
    if not text:
        return "", ""
    for pattern in (
        r"(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)",
        r"(-?\d+(?:,\d+)?)\s*[; ]\s*(-?\d+(?:,\d+)?)",
    ):
        match = re.fullmatch(pattern, text)
        if match:
            return match[1], match[2]
    return text, text


def read_mapping_file(path: Path) -> tuple[dict[str, str | None], dict[str, dict[str, str | None]]]:
    """(columns, values) of a mapping file: `{"colonne du fichier": "colonne du schéma" ou null}`, or
    `{"colonnes": {…}, "valeurs": {"typologie": {"texte du fichier": "valeur du schéma" ou null}}}`."""
    try:
        data = jsontext.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, jsontext.UnreadableJson) as error:
        raise UnreadableFile(f"Fichier de correspondance illisible : {error}") from None
    expected = 'Correspondance attendue : {"colonne du fichier": "colonne du schéma" ou null}'
    if isinstance(data, dict) and set(data) <= {"colonnes", "valeurs"} and isinstance(data.get("colonnes"), dict):
        data, values = data["colonnes"], data.get("valeurs") or {}
    else:
        values = {}
    if not isinstance(data, dict) or not all(isinstance(value, str | None) for value in data.values()):
        raise UnreadableFile(f"{expected}.")
    if not isinstance(values, dict) or not all(isinstance(items, dict) for items in values.values()):
        raise UnreadableFile(f'{expected}, et « valeurs » : {{"colonne du schéma": {{"texte": "valeur"}}}}.')
    return data, values


def choose(header: list[str], *, rows=(), given: dict | None = None, source: str = "") -> Mapping:
    """The mapping to use: the one given, else the one saved for the source, else the guess. Columns the given or
    saved mapping does not name are guessed; columns it names that the file lacks are reported. Required fields
    without a column are looked for in the `rows` (importers.required)."""
    guessed = guess(header)
    saved = SiteSourceMapping.objects.filter(source=source).first() if source else None
    if given is not None:
        chosen, origin = given, "fournie"
    elif saved is not None:
        chosen, origin = saved.mapping, f"enregistrée pour la source « {source} », reprise"
    else:
        columns, notes, missing = required.complete(guessed.columns, rows, chosen_by_person=False)
        return Mapping(columns, guessed.origin, [*guessed.notes, *notes], missing)
    columns = {column: chosen[column] if column in chosen else guessed.columns[column] for column in header}
    notes = [f"« {column} » absente du fichier : ignorée." for column in chosen if column not in header]
    columns, more, missing = required.complete(columns, rows, chosen_by_person=True)
    return Mapping(columns, origin, [*notes, *more], missing)


def save(source: str, columns: dict[str, str | None], vocabulary: dict | None = None) -> None:
    defaults = {"mapping": columns} if vocabulary is None else {"mapping": columns, "vocabulary": vocabulary}
    SiteSourceMapping.objects.update_or_create(source=source, defaults=defaults)


def saved_vocabulary(source: str) -> dict:
    saved = SiteSourceMapping.objects.filter(source=source).first() if source else None
    return saved.vocabulary if saved else {}
