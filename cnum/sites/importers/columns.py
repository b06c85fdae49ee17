"""The columns each site format reads, for the upload page and its template files (cnum.core.imports.Column).

Declared from the sources themselves, never retyped: the national schema v1.0.2 gives its columns, their
descriptions and examples (cnum.sites.schema); the France Services list and the CnFS v0 export are described by
the columns of their published files (reference/mediation-numerique/); "csv-auto" recognises the schema's columns
under the names of importers.mapping.SYNONYMS.
"""

import re

from cnum.core.imports import Column
from cnum.sites import schema

#: At most this many other names are listed for a column of "csv-auto".
SHOWN_SYNONYMS = 6


def _first_sentence(text: str) -> str:
    """The schema's descriptions run to several paragraphs: their first sentence says what the column holds."""
    sentence = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]
    sentence = sentence.removeprefix("Ce champ contient ").removeprefix("Ce champ ")
    return sentence[:1].upper() + sentence[1:]


def _schema_column(name: str, required: tuple[str, ...], extra: str = "") -> Column:
    field = schema.field(name)
    description = _first_sentence(field.get("description", ""))
    if name in schema.MULTI_VALUED:
        description += " Plusieurs valeurs séparées par « | »."
    return Column(name, name in required, f"{description} {extra}".strip(), str(field.get("example", "")))


def lieux_v1(required: tuple[str, ...]) -> tuple[Column, ...]:
    """Every column of the schema, in its order, required ones first."""
    names = sorted(schema.field_names(), key=lambda name: name not in required)
    return tuple(_schema_column(name, required) for name in names)


def csv_auto(required: tuple[str, ...], synonyms: dict[str, str]) -> tuple[Column, ...]:
    """The schema's columns, each with a few of the other names it is recognised under."""
    others: dict[str, list[str]] = {}
    for synonym, target in synonyms.items():
        others.setdefault(target, []).append(synonym)
    columns = []
    for name in sorted(schema.field_names(), key=lambda name: name not in required):
        names = others.get(name, [])[:SHOWN_SYNONYMS]
        extra = f"Aussi reconnue sous : {', '.join(names)}…" if names else ""
        columns.append(_schema_column(name, required, extra))
    return tuple(columns)


#: The national list of France Services (reference/mediation-numerique/france-services-2022-12-01.csv), in the
#: order of its header; the example is that file's first site.
FRANCE_SERVICES = (
    ("id_fs", "Identifiant de l'espace France Services dans la liste nationale.", "1"),
    ("lib_fs", "Nom de l'espace.", "France services de Valserhône"),
    ("adresse", "Numéro et voie.", "5-9 Rue des Papetiers"),
    ("code_postal", "Code postal, 5 chiffres.", "01200"),
    ("lib_com", "Nom de la commune.", "Valserhône"),
    ("insee_dep", "Code du département (non repris : déduit de la commune).", "01"),
    ("complement_adresse", "Complément d'adresse (bâtiment, étage…).", ""),
    ("insee_com", "Code INSEE de la commune : départage les communes homonymes.", "01033"),
    ("latitude", "Latitude WGS84, en degrés décimaux.", "46.1060711578546"),
    ("longitude", "Longitude WGS84, en degrés décimaux.", "5.8260084241619"),
    ("mail", "Courriel de contact.", "franceservices@exemple.fr"),
    ("telephone", "Téléphone de l'espace.", "04 50 56 87 49"),
    *(
        (f"h_{day}", f"Horaires du {day} : « 09:00 - 12:00 / 13:30 - 17:00 », vide si fermé.", hours)
        for day, hours in (
            ("lundi", "09:00 - 12:00 / 13:30 - 17:00"),
            ("mardi", "09:00 - 12:00 / 13:30 - 17:00"),
            ("mercredi", "09:00 - 12:00 / 13:30 - 17:00"),
            ("jeudi", "09:00 - 12:00 / 13:30 - 17:00"),
            ("vendredi", "09:00 - 12:00 / 13:30 - 16:00"),
            ("samedi", ""),
        )
    ),
    ("commentaire", "Présentation libre de l'espace.", ""),
    ("itinerance", "« Oui » pour un espace itinérant (bus), « Non » sinon.", "Non"),
    ("format_fs", "Format de l'espace (non repris).", "Site principal"),
    ("groupe", "Groupe d'espaces (non repris).", ""),
    ("labellisation", "Date de labellisation (non reprise).", "Espace labellisé 01/01/2020"),
)

#: The CnFS v0 export of permanences (reference/mediation-numerique/cnfs-permanences-2022-12.json): the keys of
#: each record that the import reads. A JSON file: the page lists them, without a template to download.
CNFS_V0 = (
    ("nom", "Nom de la permanence."),
    ("adresse", "Numéro et voie."),
    ("code_postal", "Code postal, 5 chiffres."),
    ("commune", "Nom de la commune."),
    ("date_maj", "Date de mise à jour, AAAA-MM-JJ."),
    ("id", "Identifiant de la permanence dans l'export."),
    ("source", "Source de la donnée (« conseiller-numerique » par défaut)."),
    ("pivot", "SIRET de la structure (« 00000000000000 » : inconnu)."),
    ("code_insee", "Code INSEE de la commune, s'il est donné."),
    ("latitude", "Latitude WGS84."),
    ("longitude", "Longitude WGS84."),
    ("telephone", "Téléphone de la permanence."),
    ("courriel", "Courriel de contact (ou « courriels »)."),
    ("site_web", "Site internet."),
    ("prise_rdv", "Adresse de prise de rendez-vous en ligne."),
    ("horaires", "Horaires d'ouverture."),
    ("services", "Services proposés, séparés par « ; »."),
    ("conditions_access", "Conditions d'accès (gratuit, payant…)."),
    ("labels_nationaux", "Labels et programmes nationaux (CNFS, Aidants Connect…)."),
)


def france_services(required: tuple[str, ...]) -> tuple[Column, ...]:
    ordered = sorted(FRANCE_SERVICES, key=lambda column: column[0] not in required)
    return tuple(Column(name, name in required, description, example) for name, description, example in ordered)


def cnfs_v0(required: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(name, name in required, description) for name, description in CNFS_V0)
