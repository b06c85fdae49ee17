"""Export of the published sites in the data·inclusion schema v1.0.8 (reference/data-inclusion/): each site is a
structure (the place) with one service, "Médiation numérique", written as one JSON document
`{"structures": [...], "services": [...]}` and validated against the schema's JSON Schemas before it is written.

The correspondence (docs/sites-mapping.md, "data·inclusion") maps the national schema's values to data·inclusion's:
services to thématiques, publics and specific support to publics, fees to frais, access modes to modes de
mobilisation. A site whose name cannot be a valid name (fewer than 3 characters) is left out and counted.
"""

import functools
import json
import re
from pathlib import Path

import jsonschema
from django.conf import settings

from cnum.sites import schema
from cnum.sites.exporters.lieux_v1 import ExportResult
from cnum.sites.models import Site

SOURCE = "conseiller-numerique"
SERVICE_NAME = "Médiation numérique"
DEFAULT_THEME = "numerique--maitriser-les-fondamentaux-du-numerique"
THEMES = {
    "Aide aux démarches administratives": (
        "numerique--acceder-a-des-services-en-ligne",
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    ),
    "Maîtrise des outils numériques du quotidien": (DEFAULT_THEME,),
    "Insertion professionnelle via le numérique": (
        DEFAULT_THEME,
        "preparer-sa-candidature--valoriser-ses-competences",
    ),
    "Utilisation sécurisée du numérique": (DEFAULT_THEME,),
    "Parentalité et éducation avec le numérique": ("famille--soutien-a-la-parentalite-et-a-leducation",),
    "Loisirs et créations numériques": (DEFAULT_THEME,),
    "Compréhension du monde numérique": (DEFAULT_THEME,),
    "Accès internet et matériel informatique": ("numerique--acceder-a-une-connexion-internet",),
    "Acquisition de matériel informatique à prix solidaire": ("numerique--acquerir-un-equipement",),
}
PUBLICS = {
    "Jeunes": "jeunes",
    "Étudiants": "etudiants",
    "Familles et/ou enfants": "familles",
    "Seniors": "seniors",
    "Femmes": "femmes",
}
DISABILITIES = {"Surdité", "Handicaps moteurs", "Handicaps mentaux", "Déficience visuelle"}
MOBILISATION = {
    "Se présenter": "se-presenter",
    "Téléphoner": "telephoner",
    "Contacter par mail": "envoyer-un-courriel",
    "Envoyer un mail avec une fiche de prescription": "envoyer-un-courriel",
}
TOO_SHORT = "nom de moins de 3 caractères, alors que data·inclusion l'exige"


def reference_dir() -> Path:
    return Path(settings.REFERENCE_DIR) / "data-inclusion"


@functools.cache
def validators() -> dict[str, jsonschema.Draft202012Validator]:
    result = {}
    for kind in ("structure", "service"):
        document = json.loads((reference_dir() / f"{kind}.json").read_text(encoding="utf-8"))
        result[kind] = jsonschema.Draft202012Validator(document, format_checker=jsonschema.FormatChecker())
    return result


def errors(document: dict) -> list[str]:
    """Every schema error of the document, as "structures[3].courriel : message"."""
    found = []
    for kind, key in (("structure", "structures"), ("service", "services")):
        for index, record in enumerate(document[key]):
            for error in validators()[kind].iter_errors(record):
                where = ".".join(str(part) for part in error.absolute_path)
                found.append(f"{key}[{index}].{where} : {error.message}")
    return found


def _or_none(value):
    return value if value not in ("", [], None) else None


def _name(site: Site) -> str:
    return site.name.strip().rstrip(".").strip()[:150]


def structure_record(site: Site) -> dict:
    """The site as a data·inclusion structure."""
    networks = ["conseillers-numeriques"] + (["france-service"] if site.is_france_services else [])
    description = site.description or site.summary
    return {
        "source": SOURCE,
        "id": f"{SOURCE}--lieu-{site.pk}",
        "nom": _name(site),
        "date_maj": site.updated_on.isoformat(),
        "siret": site.pivot if re.fullmatch(r"\d{14}", site.pivot or "") else None,
        "adresse": _or_none(site.address),
        "complement_adresse": _or_none(site.address_complement),
        "code_postal": site.postal_code if re.fullmatch(r"\d{5}", site.postal_code or "") else None,
        "code_insee": site.commune.code if site.commune_id else None,
        "commune": _or_none(site.commune_name),
        "latitude": site.latitude,
        "longitude": site.longitude,
        "telephone": _or_none(site.phone),
        "courriel": site.emails[0] if site.emails else None,
        "site_web": site.websites[0] if site.websites else None,
        "horaires_accueil": _or_none(site.opening_hours),
        "accessibilite_lieu": _or_none(site.accessibility_url),
        "description": description[:10000] if len(description or "") >= 5 else None,
        "reseaux_porteurs": networks,
    }


def service_record(site: Site, structure: dict) -> dict:
    """The site's offer as one data·inclusion service, "Médiation numérique"."""
    themes = [theme for service in site.services for theme in THEMES.get(service, (DEFAULT_THEME,))]
    publics = [PUBLICS[value] for value in site.specific_publics if value in PUBLICS]
    if DISABILITIES & set(site.specific_support):
        publics.append("personnes-en-situation-de-handicap")
    mobilisation = [MOBILISATION[value] for value in site.access_modes if value in MOBILISATION]
    if site.booking_url:
        mobilisation.append("utiliser-lien-mobilisation")
    fees = "gratuit" if schema.FREE in site.fees else "payant" if "Payant" in site.fees else None
    services = ", ".join(site.services) or "accompagnement aux usages du numérique"
    return {
        "source": SOURCE,
        "id": f"{structure['id']}--mediation-numerique",
        "structure_id": structure["id"],
        "nom": SERVICE_NAME,
        "description": f"Accompagnement par des conseillers numériques : {services}.",
        "date_maj": structure["date_maj"],
        "type": "accompagnement",
        "thematiques": list(dict.fromkeys(themes or [DEFAULT_THEME])),
        "publics": list(dict.fromkeys(publics)) or ["tous-publics"],
        "frais": fees,
        "frais_precisions": ", ".join(site.fees) or None,
        "modes_accueil": ["en-presentiel"] + (["a-distance"] if "À distance" in site.support_modes else []),
        "modes_mobilisation": list(dict.fromkeys(mobilisation)) or None,
        "lien_mobilisation": _or_none(site.booking_url),
        "mobilisable_par": ["usagers"],
        **{key: structure[key] for key in ("adresse", "complement_adresse", "code_postal", "code_insee", "commune")},
        **{key: structure[key] for key in ("latitude", "longitude", "telephone", "courriel", "horaires_accueil")},
    }


def document(sites, result: ExportResult) -> dict:
    structures, services = [], []
    for site in sites:
        if len(_name(site)) < 3:
            result.excluded[TOO_SHORT] += 1
            continue
        structure = structure_record(site)
        structures.append(structure)
        services.append(service_record(site, structure))
    result.written = len(structures)
    return {"structures": structures, "services": services}


def write_json(file, sites, *, unknown_pivot: str = "exclude") -> ExportResult:
    """The data·inclusion document; ValueError (in French) listing the schema errors when it is not valid."""
    result = ExportResult()
    content = document(sites, result)
    problems = errors(content)
    if problems:
        raise ValueError("Export data·inclusion invalide :\n" + "\n".join(problems[:20]))
    json.dump(content, file, ensure_ascii=False, indent=1)
    return result
