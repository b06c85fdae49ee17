"""Import activities exported from the first national platform (v1, 2021–2024): `cnfs-v1-csv`.

Every mapping decision (themes, canal, durations, age buckets, structures, placeholder advisors) is documented and
justified in docs/activities-mapping.md. Streaming, atomicity and idempotency: cnum.activities.importers.pipeline.
"""

import datetime
import functools
import operator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from cnum.activities.enums import (
    ActivityType,
    AgeBracket,
    Genre,
    PlaceType,
    Progress,
    RedirectionCategory,
    SocialStatus,
)
from cnum.activities.importers.lookups import Lookups
from cnum.activities.importers.pipeline import (
    ActivityImportReport,
    Draft,
    RowProblems,
    RowRejected,
    run_pipeline,
)
from cnum.activities.importers.reading import header_columns
from cnum.activities.importers.values import Memo, is_null, parse_count, parse_date, split_values
from cnum.advisors.models import Advisor
from cnum.sites.importers.files import UnreadableFile
from cnum.sites.models import Site
from cnum.structures.enums import StructureType
from cnum.structures.identifiers import identify
from cnum.structures.importers.values import key, parse_structure_type
from cnum.structures.models import Structure

SOURCE = "cnfs-v1"
FORMAT_NAME = "cnfs-v1-csv"
PLACEHOLDER_FIRST_NAME = "Conseiller importé (v1)"
PLACEHOLDER_EMAIL = "v1-structure-{pk}@import.invalid"  # .invalid (RFC 2606): never delivered, stable look-up key
REQUIRED = ("id", "canal", "activite", "nb_participants", "themes", "duree", "date_accompagnement")

THEMES = {
    key(v1): v2
    for v1, v2 in {
        "equipement informatique": "prendre_en_main_du_materiel",
        "vocabulaire": "culture_numerique",
        "internet": "navigation_sur_internet",
        "securite": "securite_numerique",
        "courriel": "email",
        "echanger": "reseaux_sociaux",
        "traitement texte": "bureautique",
        "contenus numeriques": "gere_ses_contenus_numeriques",
        "trouver emploi": "insertion_professionnelle",
        "tpe/pme": "entrepreneuriat",
        "accompagner enfant": "parentalite",
        "demarche en ligne": "aide_aux_demarches_administratives",
        "fraude et harcelement": "securite_numerique",
        "sante": "sante",
        "smartphone": "prendre_en_main_du_materiel",
        "budget": "banque_et_achats_en_ligne",
        "scolaire": "scolarite_et_numerique",
        "diagnostic": "diagnostic_numerique",
        "autre": "culture_numerique",
    }.items()
}
CANALS = {
    "rattachement": PlaceType.SITE,
    "autrelieu": PlaceType.OTHER,
    "autre": PlaceType.OTHER,
    "distance": PlaceType.REMOTE,
    "adistance": PlaceType.REMOTE,
    "domicile": PlaceType.HOME,
}
TYPES = {
    "individuel": ActivityType.INDIVIDUAL,
    "ponctuel": ActivityType.INDIVIDUAL,
    "collectif": ActivityType.COLLECTIVE,
}
#: v1 duration buckets → a representative number of minutes (the middle, which falls in the same v2 bucket).
DURATIONS = {"030": 15, "3060": 45}
#: v1 age columns → v2 bracket; 18–35, 35–60 and 60+ straddle v2 brackets: "non communiqué", raw counts in notes.
AGES = {
    "age_moins_12_ans": AgeBracket.UNDER_12,
    "age_de_12_a_18_ans": AgeBracket.FROM_12,
    "age_de_18_a_35_ans": AgeBracket.UNKNOWN,
    "age_de_35_a_60_ans": AgeBracket.UNKNOWN,
    "age_plus_60_ans": AgeBracket.UNKNOWN,
}
STATUSES = {
    "statut_etudiant": SocialStatus.STUDENT,
    "statut_sans_emploi": SocialStatus.UNEMPLOYED,
    "statut_en_emploi": SocialStatus.EMPLOYED,
    "statut_retraite": SocialStatus.RETIRED,
    "statut_heterogene": SocialStatus.UNKNOWN,
}


def run(
    *, path: Path, dry_run: bool, allow_partial=False, progress=None, batch_size=None, **_
) -> ActivityImportReport:
    def make_parser(header, report):
        return RowParser(header_columns(header, {}), report)

    extra = {"batch_size": batch_size} if batch_size else {}
    return run_pipeline(
        path=path,
        source=FORMAT_NAME,
        make_parser=make_parser,
        dry_run=dry_run,
        allow_partial=allow_partial,
        progress=progress,
        **extra,
    )


#: The columns that say an activity's type and how many people it counts: their texts, read together, are parsed
#: once per distinct combination (`Shape`); a v1 export repeats a few thousand of them over millions of rows.
SHAPED = ("activite", "nb_participants", "nb_participants_recurrents", *AGES, *STATUSES, "accompagnement_redirection")
#: The columns that say where an activity took place, parsed once per structure and distinct texts (`_place`).
PLACED = ("canal", "code_commune", "code_postal", "nom_commune")
#: The other columns read, one value at a time.
COLUMNS_READ = ("id", "date_accompagnement", "duree", "themes", "structure_siret", "structure_id", "structure_nom")
COLUMNS_READ += ("structure_type", "structure_code_commune", "structure_code_postal", "structure_nom_commune")
#: Distinct combinations kept per file at most (past that, parsed again at each row: slower, never different).
KEPT = 200_000


@dataclass(frozen=True)
class Shape:
    """What the SHAPED columns of a row say. `kind_problem` and `problems` are the French reasons the row is refused
    for (the type's, then the counts', in the order a row's reasons are listed); the rest holds when there is none:
    the activity's fields those columns decide (`values`), its one person's (`person`, `accompaniment`, for an
    individual activity), and the warnings the row gets."""

    kind_problem: str | None
    problems: tuple[str, ...]
    participants: int
    participants_text: str
    values: dict
    person: dict | None = None
    accompaniment: dict | None = None
    warnings: tuple[str, ...] = ()


class RowParser:
    def __init__(self, columns: dict[str, int], report: ActivityImportReport):
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise UnreadableFile(f"Colonne(s) obligatoire(s) absente(s) de l'en-tête v1 : {', '.join(missing)}.")
        self.report, self.lookups = report, Lookups()
        self.structures: dict[str, tuple[int, int, int | None, int | None]] = {}
        self.registered: tuple[dict[str, Structure], dict[str, Structure]] | None = None
        self.memo = Memo(size=KEPT)
        # A row is read at these positions; an absent column at `self.width - 1`, past every real one (rows are
        # padded to `self.width`, so that a short row reads "" there too).
        self.width = max(columns.values()) + 2
        self.positions = {name: columns.get(name, self.width - 1) for name in (*SHAPED, *PLACED, *COLUMNS_READ)}
        self.shaped = operator.itemgetter(*(self.positions[name] for name in SHAPED))
        self.placed = operator.itemgetter(*(self.positions[name] for name in PLACED))
        # The texts a row names its structure by (`_structure`'s key), and the structures they named.
        self.named = operator.itemgetter(self.positions["structure_siret"], self.positions["structure_id"])
        self.named_structures: dict[tuple[str, str], tuple] = {}
        self.shapes: dict[tuple, Shape] = {}
        self.places: dict[tuple, tuple[dict, bool] | str] = {}
        self.placings: dict[tuple, tuple[dict, bool]] = {}
        self.themes: dict[str, tuple[list[str], list[str]] | str] = {}

    def __call__(self, line: int, cells: list[str]) -> Draft:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        positions = self.positions

        def get(name: str) -> str:
            return _clean(cells[positions[name]])

        problems = RowProblems()
        source_id = get("id")
        if not source_id:
            problems.append("id manquant.")
        values = {"source": FORMAT_NAME, "source_id": source_id[:100], "notes": ""}
        texts = self.shaped(cells)
        shape = self.shapes.get(texts)
        if shape is None:
            shape = _shape(*map(_clean, texts))
            if len(self.shapes) < KEPT:
                self.shapes[texts] = shape
        if shape.kind_problem:
            problems.append(shape.kind_problem)
        # Parsed once per distinct text (`Memo`), read as the cell holds it.
        date = cells[positions["date_accompagnement"]]
        values["date"] = problems.attempt(self.memo.keyed, (parse_date, date), _cleaned_date, date)
        duration = cells[positions["duree"]]
        values["duration_minutes"] = problems.attempt(
            self.memo.keyed, (_duration, duration), _cleaned_duration, duration
        )
        values["themes"] = problems.attempt(self._themes, line, get("themes"), default=[])
        problems.extend(shape.problems)
        named = self.named(cells)
        structure = self.named_structures.get(named) or problems.attempt(self._structure, line, get)
        if structure and len(self.named_structures) < KEPT:
            self.named_structures[named] = structure
        if structure:
            problems.attempt(self._place, line, cells, structure, values)
        if problems:
            raise RowRejected(problems, source_id)
        if shape.participants < 1:
            raise RowRejected(["nb_participants doit valoir au moins 1."], shape.participants_text)
        values["structure_id"], values["advisor_id"] = structure[0], structure[1]
        values.update(shape.values)
        for warning in shape.warnings:
            self.report.warn(line, warning)
        if shape.person is None:
            return Draft(line=line, values=values)
        beneficiary = {"advisor_id": values["advisor_id"], **shape.person}
        return Draft(line=line, values=values, people=[(beneficiary, dict(shape.accompaniment))])

    def _themes(self, line: int, value: str) -> list[str]:
        found = self.themes.get(value)
        if found is None:
            found = _themes(value)
            if len(self.themes) < KEPT:
                self.themes[value] = found
        if isinstance(found, str):
            raise ValueError(found)
        themes, unknown = found
        if unknown:
            self.report.warn(line, f"Thème(s) v1 inconnu(s), ignoré(s) : {', '.join(unknown)}.", value)
        return themes  # one list for the rows of one text: checked and counted once (validation, stats.appends)

    def _structure(self, line: int, get) -> tuple[int, int, int | None, int | None]:
        """(structure id, placeholder advisor id, its site id if it has exactly one, its commune id)."""
        cache_key = get("structure_siret") or get("structure_id")
        if not cache_key or is_null(cache_key):
            raise ValueError("Structure manquante : ni structure_siret ni structure_id.")
        if cache_key not in self.structures:
            structure, created = self._find_or_create_structure(line, get)
            advisor, _ = Advisor.objects.get_or_create(
                email=PLACEHOLDER_EMAIL.format(pk=structure.pk),
                defaults={"first_name": PLACEHOLDER_FIRST_NAME, "last_name": structure.name[:150]},
            )
            # A structure just created has no site yet.
            sites = [] if created else list(Site.objects.filter(structure=structure).values_list("pk", flat=True)[:2])
            site_id = sites[0] if len(sites) == 1 else None
            self.structures[cache_key] = (structure.pk, advisor.pk, site_id, structure.commune_id)
        return self.structures[cache_key]

    def _registered(self) -> tuple[dict[str, Structure], dict[str, Structure]]:
        """The registry's structures by identifier and by v1 id (the lowest key first, as `.first()` would find
        them), read once per file: a history names a few thousand employers, most of them unknown."""
        if self.registered is None:
            by_identifier, by_v1_id = {}, {}
            for structure in Structure.objects.order_by("pk").only(
                "pk", "name", "commune", "identifier", "source", "source_id"
            ):
                if structure.identifier:
                    by_identifier.setdefault(structure.identifier, structure)
                if structure.source == SOURCE:
                    by_v1_id.setdefault(structure.source_id, structure)
            self.registered = by_identifier, by_v1_id
        return self.registered

    def _find_or_create_structure(self, line: int, get) -> tuple[Structure, bool]:
        siret, v1_id = get("structure_siret"), get("structure_id")
        identifier = None
        if not is_null(siret):
            try:
                identifier = identify(siret)
            except ValidationError as error:
                self.report.warn(line, f"SIRET de structure invalide, ignoré : {' '.join(error.messages)}", siret)
        by_identifier, by_v1_id = self._registered()
        found = None
        if identifier is not None:
            found = by_identifier.get(identifier.value)
        if found is None and not is_null(v1_id):
            found = by_v1_id.get(v1_id)
        if found is not None:
            return found, False
        name = get("structure_nom")
        if is_null(name):
            raise ValueError("Structure inconnue du registre et sans nom (structure_nom) : impossible de la créer.")
        commune_id, _ = self.lookups.commune(
            *(get(c) for c in ("structure_code_commune", "structure_code_postal", "structure_nom_commune"))
        )
        structure_type = parse_structure_type(get("structure_type"))
        if structure_type is None:
            structure_type = (
                StructureType.COLLECTIVITE if key(get("structure_type")) == "public" else StructureType.PRIVATE
            )
            self.report.warn(
                line, f"Type de structure v1 « {get('structure_type')} » : enregistré « {structure_type.label} »."
            )
        structure = Structure(
            name=name[:255],
            type=structure_type,
            identifier=identifier.value if identifier else "",
            identifier_kind=identifier.kind if identifier else "",
            commune_id=commune_id,
            postal_code=get("structure_code_postal")[:5] if not is_null(get("structure_code_postal")) else "",
            source=SOURCE,
            source_id="" if is_null(v1_id) else v1_id,
        )
        structure.save()
        if structure.identifier:
            by_identifier[structure.identifier] = structure
        if structure.source_id:
            by_v1_id[structure.source_id] = structure
        self.report.warn(line, f"Structure « {structure.name} » inconnue du registre : créée (source {SOURCE}).")
        return structure, True

    def _place(self, line: int, cells: list[str], structure, values: dict) -> None:
        texts = (structure, *self.placed(cells))
        found = self.places.get(texts)
        if found is None:
            found = self._placed(structure, *map(_clean, texts[1:]))
            if not isinstance(found, str):  # one object per distinct place, whatever texts named it
                found = self.placings.setdefault((*found[0].values(), found[1]), found)
            if len(self.places) < KEPT:
                self.places[texts] = found
        if isinstance(found, str):
            raise ValueError(found)
        place, structure_commune = found
        values.update(place)
        if structure_commune:
            self.report.warn(line, "Commune de l'activité inconnue : celle de la structure est retenue.")

    def _placed(self, structure, canal: str, *commune: str) -> tuple[dict, bool] | str:
        """The place fields of an activity of `structure` and whether its commune is the structure's, the one
        named being unknown; or why there is none."""
        _, _, site_id, structure_commune_id = structure
        place = CANALS.get(key(canal))
        if place is None:
            return f"canal « {canal} » inconnu : rattachement, autre lieu, distance ou domicile attendu."
        if place == PlaceType.REMOTE:
            return {"site_id": None, "commune_id": None, "place_type": place}, False
        if place == PlaceType.SITE and site_id:
            return {"site_id": site_id, "commune_id": None, "place_type": place}, False
        commune = ["" if is_null(part) else part for part in commune]
        commune_id = self.lookups.commune(*commune)[0] if any(commune) else None
        place = {
            "site_id": None,
            "commune_id": commune_id or structure_commune_id,
            "place_type": PlaceType.OTHER if place == PlaceType.SITE else place,
        }
        return place, bool(not commune_id and structure_commune_id)


def _duration(value: str) -> int:
    text = key(value)
    if text in DURATIONS:
        return DURATIONS[text]
    minutes = parse_count(value, "duree", 600)
    if minutes < 1:
        raise ValueError(f"duree « {value} » : 0-30, 30-60 ou un nombre de minutes attendu.")
    return minutes


def _single(counts: dict[str, int], mapping: dict) -> str:
    """The bracket of the one person an individual row counts, or non_communique."""
    ticked = [mapping[column] for column, count in counts.items() if count]
    return ticked[0] if len(ticked) == 1 else "non_communique"


def _collective_counts(participants, recurrent, ages, statuses) -> dict:
    breakdown = {}
    for name, counts, mapping in (("tranche_age", ages, AGES), ("statut_social", statuses, STATUSES)):
        merged: dict[str, int] = {}
        for column, count in counts.items():
            if count:
                merged[mapping[column]] = merged.get(mapping[column], 0) + count
        if merged and sum(merged.values()) <= participants:
            breakdown[name] = merged
    return {
        "anonymous_participants": participants,
        "anonymous_first_time": participants - recurrent,
        "anonymous_breakdown": breakdown,
    }


def _clean(text: str) -> str:
    """A cell's value: stripped, and "" for the `null` the v1 export writes for a missing value."""
    value = text.strip()
    return "" if value.lower() == "null" else value


def _cleaned_date(text: str) -> datetime.date:
    return parse_date(_clean(text))


def _cleaned_duration(text: str) -> int:
    return _duration(_clean(text))


def _themes(value: str) -> tuple[list[str], list[str]] | str:
    """The v2 themes of a v1 `themes` cell and its unknown items; or why it gives none."""
    themes, unknown = [], []
    for item in split_values(value):
        theme = THEMES.get(key(item))
        (themes if theme else unknown).append(theme or item)
    if unknown and not themes:
        return f"Thème(s) v1 inconnu(s) : {', '.join(unknown)} ; aucun thème reconnu."
    return list(dict.fromkeys(themes)), unknown


def _shape(activite: str, participants_text: str, recurrent_text: str, *texts: str) -> Shape:
    """What the SHAPED columns' texts (cleaned, in that order) say of a row."""
    kind = TYPES.get(key(activite))
    kind_problem = None
    if kind is None:
        kind_problem = f"activite « {activite} » inconnue : individuel, ponctuel ou collectif attendu."
    problems = RowProblems()

    def count(text: str, column: str, maximum: int) -> int:
        return problems.attempt(parse_count, text, column, maximum, default=0)

    participants = count(participants_text, "nb_participants", 100)
    recurrent = count(recurrent_text, "nb_participants_recurrents", 100)
    counted = dict(zip((*AGES, *STATUSES, "accompagnement_redirection"), texts, strict=True))
    ages = {column: count(counted[column], column, 100) for column in AGES}
    statuses = {column: count(counted[column], column, 100) for column in STATUSES}
    redirected = count(counted["accompagnement_redirection"], "accompagnement_redirection", 1000)
    shape = functools.partial(Shape, kind_problem, tuple(problems), participants, participants_text)
    if kind_problem or problems or participants < 1:
        return shape({})
    warnings, values = [], {}
    if recurrent > participants:
        warnings.append(f"{recurrent} participants récurrents pour {participants} : ramené à {participants}.")
        recurrent = participants
    if redirected:
        values["redirection_category"] = RedirectionCategory.OTHER
        values["redirection_other"] = "Orientation enregistrée dans la plateforme v1"
    raw_ages = {column: count for column, count in ages.items() if count and AGES[column] == AgeBracket.UNKNOWN}
    if raw_ages:
        values["notes"] = "Tranches d'âge v1 : " + ", ".join(f"{column[4:]} = {n}" for column, n in raw_ages.items())
    if kind == ActivityType.INDIVIDUAL and participants > 1:
        warnings.append(f"Accompagnement individuel à {participants} participants : importé en collectif.")
        kind = ActivityType.COLLECTIVE
    values["type"] = kind
    if kind == ActivityType.COLLECTIVE:
        values.update(_collective_counts(participants, recurrent, ages, statuses))
        return shape(values, warnings=tuple(warnings))
    person = {"genre": Genre.UNKNOWN, "age_bracket": _single(ages, AGES), "social_status": _single(statuses, STATUSES)}
    accompaniment = {"is_first": recurrent == 0, "progressed": Progress.NOT_ASKED}
    return shape(values, person, accompaniment, tuple(warnings))
