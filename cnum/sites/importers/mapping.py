"""Which column of a third-party file holds which column of the national schema v1.0.2 ("csv-auto").

Headers are compared once normalized (lower case, no accents, spaces and hyphens as "_": `files.header_key`) against
the schema's own names and a table of synonyms seen in regional and departmental files. The guess is shown, can be
corrected (a JSON file `{"column in file": "schema column" | null}` or the upload page's form), and the mapping used
for a source is saved and reused for its next file (docs/sites-mapping.md, "Fichiers tiers").
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from cnum.sites import schema
from cnum.sites.importers.files import UnreadableFile, header_key
from cnum.sites.models import Site, SiteSourceMapping

#: Normalized header → schema column. The schema's own names map to themselves (see `target_for`).
SYNONYMS = {
    **dict.fromkeys(("identifiant", "id_lieu", "id_fs", "identifiant_lieu", "uid", "ref", "reference"), "id"),
    **dict.fromkeys(("name", "raison_sociale", "nom_du_lieu", "nom_lieu", "lib_fs", "libelle", "denomination"), "nom"),
    **dict.fromkeys(("siret", "siren", "rna", "numero_siret"), "pivot"),
    **dict.fromkeys(("voie", "adresse_voie", "adresse_postale", "address", "rue", "numero_et_voie"), "adresse"),
    **dict.fromkeys(("complement", "adresse_complement", "complement_d_adresse"), "complement_adresse"),
    **dict.fromkeys(("adresse_code_postal", "cp", "postcode", "code_postale", "zip"), "code_postal"),
    **dict.fromkeys(("adresse_code_insee", "insee", "code_commune", "insee_com", "code_insee_commune"), "code_insee"),
    **dict.fromkeys(("ville", "adresse_commune", "lib_com", "localite", "city", "nom_commune"), "commune"),
    **dict.fromkeys(("lat", "y", "coordonnees_latitude"), "latitude"),
    **dict.fromkeys(("lon", "lng", "long", "x", "coordonnees_longitude"), "longitude"),
    **dict.fromkeys(
        ("horaires_ouverture_osm", "horaires_osm", "horaires_d_ouverture", "horaires_ouverture", "opening_hours"),
        "horaires",
    ),
    **dict.fromkeys(("contact_email", "courriel", "email", "mail", "e_mail", "adresse_mail"), "courriels"),
    **dict.fromkeys(("tel", "contact_telephone", "phone", "telephone_contact", "numero_de_telephone"), "telephone"),
    **dict.fromkeys(("url", "contact_site_internet", "site_internet", "website", "site"), "site_web"),
    **dict.fromkeys(("publics", "publics_accueillis", "public", "public_cible"), "publics_specifiquement_adresses"),
    **dict.fromkeys(("description", "commentaire", "presentation"), "presentation_detail"),
    **dict.fromkeys(("resume", "presentation_resumee"), "presentation_resume"),
    **dict.fromkeys(("date_mise_a_jour", "date_de_mise_a_jour", "derniere_mise_a_jour", "maj"), "date_maj"),
    **dict.fromkeys(("rdv", "prise_de_rendez_vous", "rendez_vous"), "prise_rdv"),
}
#: Columns that must be mapped for a row to become a site.
REQUIRED_TARGETS = ("nom", "adresse", "code_postal")
NOT_IMPORTED = "source"  # the source is given by the import (--source), never by a column


def targets() -> list[tuple[str, str]]:
    """(schema column, French label) of every column a file column may be mapped to."""
    labels = {"id": "identifiant dans la source", "code_insee": "code INSEE de la commune"}
    for name, attribute in schema.FIELD_ATTRIBUTES.items():
        labels[name] = str(Site._meta.get_field(attribute).verbose_name)
    return [(name, f"{name} — {labels[name]}") for name in schema.field_names() if name != NOT_IMPORTED]


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

    @property
    def ignored(self) -> list[str]:
        return [column for column, target in self.columns.items() if target is None]

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
        if target and target in taken:
            notes.append(f"« {column} » ignorée : « {taken[target]} » fournit déjà {target}.")
            target = None
        if target:
            taken[target] = column
        columns[column] = target
    return Mapping(columns, "devinée d'après l'en-tête", notes)


def problems(columns: dict[str, str | None]) -> list[str]:
    """What makes a mapping unusable, in French (empty when it can be used)."""
    known = {name for name, _label in targets()}
    found = []
    for column, target in columns.items():
        if target is not None and target not in known:
            found.append(f"« {target} » (colonne « {column} ») n'est pas une colonne du schéma.")
    chosen = [target for target in columns.values() if target]
    for target in sorted({target for target in chosen if chosen.count(target) > 1}):
        found.append(f"Plusieurs colonnes du fichier vont dans « {target} » : une seule est possible.")
    for target in REQUIRED_TARGETS:
        if target not in chosen:
            found.append(f"Aucune colonne du fichier ne fournit « {target} », obligatoire.")
    if "commune" not in chosen and "code_insee" not in chosen:
        found.append("Aucune colonne ne fournit la commune ni son code INSEE.")
    return found


def read_mapping_file(path: Path) -> dict[str, str | None]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFile(f"Fichier de correspondance illisible : {error}.") from None
    if not isinstance(data, dict) or not all(isinstance(value, str | None) for value in data.values()):
        raise UnreadableFile('Correspondance attendue : {"colonne du fichier": "colonne du schéma" ou null}.')
    return data


def choose(header: list[str], *, given: dict | None = None, source: str = "") -> Mapping:
    """The mapping to use: the one given, else the one saved for the source, else the guess. Columns the given or
    saved mapping does not name are guessed; columns it names that the file lacks are reported."""
    guessed = guess(header)
    saved = SiteSourceMapping.objects.filter(source=source).first() if source else None
    if given is not None:
        chosen, origin = given, "fournie"
    elif saved is not None:
        chosen, origin = saved.mapping, f"enregistrée pour la source « {source} », reprise"
    else:
        return guessed
    columns = {column: chosen[column] if column in chosen else guessed.columns[column] for column in header}
    notes = [f"« {column} » absente du fichier : ignorée." for column in chosen if column not in header]
    return Mapping(columns, origin, notes)


def save(source: str, columns: dict[str, str | None]) -> None:
    SiteSourceMapping.objects.update_or_create(source=source, defaults={"mapping": columns})
