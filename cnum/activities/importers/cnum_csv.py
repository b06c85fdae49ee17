"""Import activities from cnum's own v2 format, CSV (`cnum-csv`) or XLSX (`xlsx`): one row per activity.

Columns and accepted values: docs/activities-mapping.md. Values are read liberally (case, accents, value or French
label); a row with any problem is rejected with all its reasons (cnum.activities.validation holds the national
rules). Streaming, atomicity and idempotency: cnum.activities.importers.pipeline.
"""

import functools
import operator
from pathlib import Path

from cnum.activities.enums import (
    ActivityType,
    AgeBracket,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    Level,
    PlaceType,
    Progress,
    RedirectionCategory,
    SocialStatus,
    Theme,
)
from cnum.activities.importers.lookups import Lookups
from cnum.activities.importers.pipeline import (
    ActivityImportReport,
    Batch,
    Draft,
    RowProblems,
    RowRejected,
    run_pipeline,
)
from cnum.activities.importers.reading import cell, header_columns
from cnum.activities.importers.values import (
    Memo,
    choice_index,
    is_null,
    parse_choice,
    parse_choices,
    parse_count,
    parse_date,
)
from cnum.core.imports import Column
from cnum.sites.importers.files import UnreadableFile

ALIASES = {
    "source_id": "id",
    "identifiant": "id",
    "date_accompagnement": "date",
    "type_activite": "type",
    "duree_minutes": "duree",
    "lieu": "type_lieu",
    "site_id": "lieu_id",
    "insee": "code_insee",
    "code_commune": "code_insee",
    "cp": "code_postal",
    "nom_commune": "commune",
    "themes": "thematiques",
    "demarches": "thematiques_demarche",
    "equipement": "materiel",
    "conseiller": "conseiller_email",
    "email_conseiller": "conseiller_email",
    "age": "tranche_age",
    "statut": "statut_social",
    "nb_participants": "participants",
}
#: The columns of the format, as the upload page lists them and the template file holds them.
COLUMNS = (
    Column("id", True, "Identifiant stable de la ligne dans votre fichier (un nouvel import l'ignore).", "A-0001"),
    Column("date", True, "Date de l'activité, JJ/MM/AAAA ou AAAA-MM-JJ.", "15/03/2025"),
    Column("type", True, "individuel ou collectif.", "individuel"),
    Column("duree", True, "Durée en minutes, de 1 à 600.", "45"),
    Column("type_lieu", True, "lieu_activite, domicile, a_distance ou autre.", "lieu_activite"),
    Column("thematiques", True, "Une ou plusieurs thématiques, séparées par |.", "email|bureautique"),
    Column("conseiller_email", True, "Adresse électronique du conseiller de l'activité.", "prenom.nom@exemple.fr"),
    Column("lieu_id", False, "Numéro du lieu d'activité dans cnum (type_lieu lieu_activite).", "12"),
    Column("code_insee", False, "Commune (type_lieu domicile ou autre) : code INSEE…", ""),
    Column("code_postal", False, "… ou code postal et nom de la commune.", ""),
    Column("commune", False, "Nom de la commune, avec le code postal.", ""),
    Column("thematiques_demarche", False, "Démarches, avec la thématique aide_aux_demarches_administratives.", ""),
    Column("materiel", False, "ordinateur, telephone, tablette, autre ou aucun.", "ordinateur"),
    Column("autonomie", False, "Individuelle : entierement_accompagne, partiellement_autonome ou autonome.", ""),
    Column("niveau", False, "Atelier collectif : debutant, intermediaire ou avance.", ""),
    Column("titre", False, "Atelier collectif : son titre.", ""),
    Column("orientation", False, "Orientation de la personne vers une autre structure.", ""),
    Column("genre", False, "Activité individuelle : genre de la personne.", ""),
    Column("tranche_age", False, "Activité individuelle : tranche d'âge.", ""),
    Column("statut_social", False, "Activité individuelle : statut social.", ""),
    Column("progression", False, "Activité individuelle : la personne a-t-elle progressé (oui, non) ?", ""),
    Column("participants", False, "Atelier collectif : nombre de participants.", ""),
    Column("participants_deja_accompagnes", False, "Atelier collectif : participants déjà accompagnés.", ""),
    Column("participants_progression", False, "Atelier collectif : participants ayant progressé.", ""),
)
# The command line may name one advisor for the whole file (--advisor-email): the column is then not needed.
REQUIRED = tuple(column.name for column in COLUMNS if column.required and column.name != "conseiller_email")

INDEX = {
    "type": choice_index(ActivityType, individuel="individuel", ponctuel="individuel", atelier="collectif"),
    "type_lieu": choice_index(PlaceType, lieu="lieu_activite", distance="a_distance", **{"à domicile": "domicile"}),
    "thematiques": choice_index(Theme),
    "thematiques_demarche": choice_index(DemarcheTheme),
    "materiel": choice_index(Equipment),
    "autonomie": choice_index(Autonomy),
    "niveau": choice_index(Level),
    "orientation": choice_index(RedirectionCategory),
    "genre": choice_index(Genre, homme="masculin", femme="feminin", h="masculin", f="feminin", m="masculin"),
    "tranche_age": choice_index(AgeBracket),
    "statut_social": choice_index(SocialStatus, etudiant="scolarise"),
    "progression": choice_index(Progress, yes="oui", no="non", **{"": "non_demande"}),
}
CHOICES = {
    "type": ActivityType,
    "type_lieu": PlaceType,
    "thematiques": Theme,
    "thematiques_demarche": DemarcheTheme,
    "materiel": Equipment,
    "autonomie": Autonomy,
    "niveau": Level,
    "orientation": RedirectionCategory,
    "genre": Genre,
    "tranche_age": AgeBracket,
    "statut_social": SocialStatus,
    "progression": Progress,
}


def run_csv(*, path: Path, dry_run: bool, **options) -> ActivityImportReport:
    return _run(path=path, dry_run=dry_run, source="cnum-csv", **options)


def run_xlsx(*, path: Path, dry_run: bool, **options) -> ActivityImportReport:
    return _run(path=path, dry_run=dry_run, source="xlsx", **options)


def _run(*, path, dry_run, source, allow_partial=False, advisor_email="", progress=None, batch_size=None, **_):
    def make_parser(header, report):
        return RowParser(header_columns(header, ALIASES), advisor_email=advisor_email or "", source=source)

    extra = {"batch_size": batch_size} if batch_size else {}
    return run_pipeline(
        path=path,
        source=source,
        make_parser=make_parser,
        dry_run=dry_run,
        allow_partial=allow_partial,
        progress=progress,
        **extra,
    )


def _choice_or_blank(value: str, column: str, what: str) -> str:
    return "" if is_null(value) else parse_choice(value, INDEX[column], CHOICES[column], what)


def _choices_tuple(value: str, column: str, what: str) -> tuple[str, ...]:
    return tuple(parse_choices(value, INDEX[column], CHOICES[column], what))


#: Columns read on their own, parsed once per distinct text: Activity field, column, parser, French name.
SIMPLE = (
    ("type", "type", "choice", "Type d'activité"),
    ("date", "date", parse_date, ""),
    ("duration_minutes", "duree", functools.partial(parse_count, what="Durée", maximum=600), ""),
)
LISTS = (
    ("themes", "thematiques", "Thématique"),
    ("demarche_themes", "thematiques_demarche", "Démarche"),
    ("equipment", "materiel", "Matériel"),
)
CHOSEN = (("autonomy", "autonomie", "Autonomie"), ("level", "niveau", "Niveau"))
PERSON = (("genre", "Genre"), ("tranche_age", "Tranche d'âge"), ("statut_social", "Statut social"))
PERSON += (("progression", "Progression"),)
#: Distinct texts kept per column (a file's dates, durations and values: a few thousand).
CACHE = 100_000


class RowParser:
    """Parse one row into a Draft, or RowRejected with every problem found, in the columns' order. Each column's
    distinct texts are parsed once (`_parsed`): rows repeat a few thousand dates, durations and values."""

    def __init__(self, columns: dict[str, int], *, advisor_email: str, source: str):
        missing = [name for name in REQUIRED if name not in columns]
        if "conseiller_email" not in columns and not advisor_email:
            # The command line can name one advisor for the whole file; it says so itself (import_activities).
            missing.append("conseiller_email")
        if missing:
            raise UnreadableFile(f"Colonne(s) obligatoire(s) absente(s) de l'en-tête : {', '.join(missing)}.")
        self.columns, self.advisor_email, self.source = columns, advisor_email, source
        self.lookups = Lookups()
        self.memo = Memo()
        #: (advisor, day) → the structure employing them, or "?" (cnum.activities.importers.lookups.structure_of).
        self.employers: dict[tuple, int | str] = {}
        self.caches: dict[str, dict[str, tuple]] = {}
        self.parsers = {column: functools.partial(_choice_or_blank, column=column, what=what) for column, what in (
            ("type", "Type d'activité"), ("type_lieu", "Type de lieu"), ("autonomie", "Autonomie"),
            ("niveau", "Niveau"), ("orientation", "Orientation"), *PERSON,
        )}  # fmt: skip
        for column, parser in ((column, parser) for _, column, parser, _ in SIMPLE if parser != "choice"):
            self.parsers[column] = parser
        for _, column, what in LISTS:
            self.parsers[column] = functools.partial(_choices_tuple, column=column, what=what)

    def _parsed(self, cells: list[str], column: str) -> tuple:
        """(value, "") or (None, the French reason) for the column's text in this row."""
        position = self.columns.get(column)
        text = cells[position].strip() if position is not None and position < len(cells) else ""
        cache = self.caches.setdefault(column, {})
        found = cache.get(text)
        if found is None:
            try:
                found = (self.parsers[column](text), "")
            except (ValueError, RowRejected) as error:
                found = (None, str(error))
            if len(cache) < CACHE:
                cache[text] = found
        return found

    def __call__(self, line: int, cells: list[str]) -> Draft:
        get = functools.partial(cell, cells, self.columns)
        problems = RowProblems()

        source_id = get("id")
        if not source_id:
            problems.append("id manquant : chaque ligne doit porter un identifiant stable (idempotence).")
        values = {"source": self.source, "source_id": source_id[:100]}
        for name, column, _, _ in SIMPLE:
            values[name], error = self._parsed(cells, column)
            if error:
                problems.append(error)
        problems.attempt(self._place, cells, get, values)
        for name, column, _ in LISTS:
            found, error = self._parsed(cells, column)
            values[name] = list(found or ())
            if error:
                problems.append(error)
        for name, column, _ in (*CHOSEN, ("redirection_category", "orientation", "")):
            values[name], error = self._parsed(cells, column)
            if error:
                problems.append(error)
            if name == "level":
                values["title"] = get("titre")[:200]
        problems.attempt(self._advisor, get, values)
        person = {}
        for column, _ in PERSON:
            person[column], error = self._parsed(cells, column)
            if error:  # the first problem of the person's columns only
                problems.append(error)
                break
        counts = problems.attempt(self._counts, get, default={})
        if problems:
            raise RowRejected(problems, source_id)
        if values["type"] == ActivityType.COLLECTIVE:
            values.update(
                {
                    name: count
                    for name, count in counts.items()
                    if name.startswith("anonymous_") and not name.endswith("_already")
                }
            )
            return Draft(line=line, values=values)
        beneficiary = {
            "advisor_id": values["advisor_id"],
            "genre": person.get("genre") or Genre.UNKNOWN,
            "age_bracket": person.get("tranche_age") or AgeBracket.UNKNOWN,
            "social_status": person.get("statut_social") or SocialStatus.UNKNOWN,
        }
        accompaniment = {
            "is_first": not counts.get("anonymous_participants_already"),
            "progressed": person.get("progression") or Progress.NOT_ASKED,
        }
        return Draft(line=line, values=values, people=[(beneficiary, accompaniment)])

    def parse_batch(self, rows: list[tuple[int, list[str]]]) -> tuple[Batch, list[tuple[int, RowRejected]]]:
        """The rows parsed by columns (each column's distinct texts once, each look-up once per distinct key), and
        the rows rejected. A row with any problem goes through the row parser (`__call__`), whose RowRejected lists
        them all in its order; the two read a valid row alike (tests/activities: a property test holds it)."""
        columns = _Columns(self, rows)
        batch = Batch([line for line, _ in rows], columns.values(), columns.people())
        rejected, accepted = [], False
        for index in sorted(columns.bad):
            line, cells = rows[index]
            try:
                self(line, cells)
                accepted = True
            except RowRejected as error:
                rejected.append((line, error))
        if accepted:  # the columns found a problem the row parser does not: the batch is read the row's way
            return self._parse_rows(rows)
        return batch.select([index for index in range(len(rows)) if index not in columns.bad]), rejected

    def _parse_rows(self, rows: list[tuple[int, list[str]]]) -> tuple[Batch, list[tuple[int, RowRejected]]]:
        drafts, rejected = [], []
        for line, cells in rows:
            try:
                drafts.append(self(line, cells))
            except RowRejected as error:
                rejected.append((line, error))
        return Batch.of(drafts), rejected

    def _place(self, cells, get, values: dict) -> None:
        place, error = self._parsed(cells, "type_lieu")
        if error:
            raise ValueError(error)
        values["place_type"] = place
        values["site_id"] = values["commune_id"] = None
        if place == PlaceType.SITE:
            site = get("lieu_id")
            if not site.isdigit() or not self.lookups.site_exists(int(site)):
                raise ValueError(f"Lieu d'activité « {site} » inconnu : lieu_id doit être l'identifiant d'un lieu.")
            values["site_id"] = int(site)
        elif place in (PlaceType.HOME, PlaceType.OTHER):
            insee, postal_code, name = get("code_insee"), get("code_postal"), get("commune")
            if not (insee or postal_code or name):
                return  # the national rules say what is missing
            commune_id, reason = self.lookups.commune(insee, postal_code, name)
            if commune_id is None:
                raise ValueError(reason)
            values["commune_id"] = commune_id

    def _advisor(self, get, values: dict) -> None:
        email = get("conseiller_email") or self.advisor_email
        advisor_id = self.lookups.advisor(email) if email else None
        if advisor_id is None:
            raise ValueError(f"Conseiller « {email} » inconnu : indiquez l'adresse électronique d'un conseiller.")
        values["advisor_id"] = advisor_id
        if values.get("date") is None:
            return  # the date's problem is reported; the structure cannot be chosen without it
        values["structure_id"] = self.lookups.structure_of(advisor_id, values["date"])

    def _counts(self, get) -> dict:
        participants = self.memo(parse_count, get("participants"), "Participants")
        already = self.memo(parse_count, get("participants_deja_accompagnes"), "Participants déjà accompagnés")
        progressed = get("participants_progression")
        if already > participants and participants:
            raise ValueError(f"Participants déjà accompagnés ({already}) : plus que de participants ({participants}).")
        return {
            "anonymous_participants": participants,
            "anonymous_first_time": max(participants - already, 0),
            "anonymous_progressed": self.memo(parse_count, progressed, "Participants ayant progressé"),
            # A progression count means the participants were asked; without it, nobody was.
            "anonymous_asked": participants if not is_null(progressed) else 0,
            "anonymous_participants_already": already,
        }


class _Columns:
    """One batch of rows read by columns for `RowParser.parse_batch`: the parsed values, and `bad`, the rows with a
    problem (their messages are the row parser's)."""

    def __init__(self, parser: RowParser, rows: list[tuple[int, list[str]]]):
        self.parser, self.rows, self.bad = parser, rows, set()
        self.count = len(rows)
        self.cells = [cells for _, cells in rows]
        self.shortest = min(map(len, self.cells), default=0)
        self.parsed = {column: self._parse(column) for column in parser.parsers}
        self.ids = self.texts("id")
        self.bad.update(index for index, source_id in enumerate(self.ids) if not source_id)

    def texts(self, column: str) -> list[str]:
        position = self.parser.columns.get(column)
        if position is None:
            return [""] * self.count
        if position < self.shortest:  # every row has the cell
            return list(map(str.strip, map(operator.itemgetter(position), self.cells)))
        return [cells[position].strip() if position < len(cells) else "" for cells in self.cells]

    def _parse(self, column: str) -> list:
        """The column's values, each distinct text parsed once (kept for the file in the parser's cache); the rows
        whose text fails are added to `bad`."""
        texts = self.texts(column)
        cache = self.parser.caches.setdefault(column, {})
        found = {}
        for text in set(texts):
            result = cache.get(text)
            if result is None:
                try:
                    result = (self.parser.parsers[column](text), "")
                except (ValueError, RowRejected) as error:
                    result = (None, str(error))
                if len(cache) < CACHE:
                    cache[text] = result
            found[text] = result
        failed = {text for text, (_, error) in found.items() if error}
        if failed:
            self.bad.update(index for index, text in enumerate(texts) if text in failed)
        if column in LIST_COLUMNS:  # one list per distinct text, shared by its rows (read only from here on)
            shared = {text: list(value or ()) for text, (value, _) in found.items()}
            return [shared[text] for text in texts]
        return [found[text][0] for text in texts]

    def values(self) -> dict[str, list]:
        """The Activity fields of every row by columns (those of `bad` rows are not read)."""
        parsed, parser = self.parsed, self.parser
        values = {
            "source": [parser.source] * self.count,
            "source_id": [source_id[:100] for source_id in self.ids],
            **{name: parsed[column] for name, column, _, _ in SIMPLE},
        }
        values["place_type"] = parsed["type_lieu"]
        values["site_id"], values["commune_id"] = self._places(parsed["type_lieu"])
        for name, column, _ in LISTS:
            values[name] = parsed[column]
        values["autonomy"], values["level"] = parsed["autonomie"], parsed["niveau"]
        values["title"] = [title[:200] for title in self.texts("titre")]
        values["redirection_category"] = parsed["orientation"]
        values["advisor_id"], values["structure_id"] = self._advisors(values["date"])
        self.advisors = values["advisor_id"]
        self.counts = self._counts()
        values.update(self._anonymous(values["type"]))
        return values

    def _mark(self, keys: list, results: dict) -> list:
        """The result of each row's key; the rows whose result is a problem (a str) added to `bad`."""
        failed = {key for key, result in results.items() if isinstance(result, str)}
        if failed:
            self.bad.update(index for index, key in enumerate(keys) if key in failed)
        return [results[key] for key in keys]

    def _places(self, places: list) -> tuple[list, list]:
        sites, communes = [None] * self.count, [None] * self.count
        texts = self.texts("lieu_id")
        lookups = self.parser.lookups
        at_site = [index for index, place in enumerate(places) if place == PlaceType.SITE]
        if at_site:
            keys = [texts[index] for index in at_site]
            known = {
                key: int(key) if key.isascii() and key.isdigit() and lookups.site_exists(int(key)) else "?"
                for key in set(keys)
            }
            for index, site in zip(at_site, self._mark_at(at_site, keys, known), strict=True):
                sites[index] = site
        in_commune = [index for index, place in enumerate(places) if place in (PlaceType.HOME, PlaceType.OTHER)]
        if in_commune:
            columns = [self.texts(column) for column in ("code_insee", "code_postal", "commune")]
            keys = [tuple(column[index] for column in columns) for index in in_commune]
            known = {key: lookups.commune(*key) if any(key) else (None, "") for key in set(keys)}
            known = {
                key: commune_id if commune_id or not reason else reason for key, (commune_id, reason) in known.items()
            }
            for index, commune_id in zip(in_commune, self._mark_at(in_commune, keys, known), strict=True):
                communes[index] = commune_id
        return sites, communes

    def _mark_at(self, indexes: list[int], keys: list, results: dict) -> list:
        failed = {key for key, result in results.items() if isinstance(result, str)}
        if failed:
            self.bad.update(index for index, key in zip(indexes, keys, strict=True) if key in failed)
        return [results[key] for key in keys]

    def _advisors(self, dates: list) -> tuple[list, list]:
        lookups, default = self.parser.lookups, self.parser.advisor_email
        emails = [email or default for email in self.texts("conseiller_email")]
        advisors = self._mark(emails, {email: (email and lookups.advisor(email)) or "?" for email in set(emails)})
        pairs = list(zip(advisors, dates, strict=True))
        employers, known = {}, self.parser.employers
        for pair in set(pairs):
            employer = known.get(pair)
            if employer is None:
                advisor_id, day = pair
                try:
                    employer = lookups.structure_of(advisor_id, day) if day and advisor_id != "?" else "?"
                except RowRejected:
                    employer = "?"
                if len(known) < CACHE:
                    known[pair] = employer
            employers[pair] = employer
        return advisors, self._mark(pairs, employers)

    def _counts(self) -> list[tuple[int, int, int, bool]]:
        """(participants, already accompanied, progressed, asked) of each row."""
        memo = self.parser.memo
        texts = [self.texts(column) for column in COUNT_COLUMNS]
        results = {}
        for key in set(zip(*texts, strict=True)):
            try:
                participants, already, progressed = (
                    memo(parse_count, text, what) for text, what in zip(key, COUNT_NAMES, strict=True)
                )
            except ValueError:
                results[key] = "?"
                continue
            results[key] = "?" if already > participants and participants else (
                participants, already, progressed, not is_null(key[2])
            )  # fmt: skip
        return self._mark(list(zip(*texts, strict=True)), results)

    def people(self) -> dict[str, list]:
        """The person of each individual activity (a workshop's people are counted, not listed), by columns."""
        types, parsed = self.parsed["type"], self.parsed
        rows = [index for index, kind in enumerate(types) if kind != ActivityType.COLLECTIVE and index not in self.bad]
        genres, ages, statuses = (parsed[column] for column in ("genre", "tranche_age", "statut_social"))
        progress = parsed["progression"]
        return {
            "row": rows,
            "advisor_id": [self.advisors[index] for index in rows],
            "genre": [genres[index] or Genre.UNKNOWN for index in rows],
            "age_bracket": [ages[index] or AgeBracket.UNKNOWN for index in rows],
            "social_status": [statuses[index] or SocialStatus.UNKNOWN for index in rows],
            "is_first": [not self.counts[index][1] for index in rows],
            "progressed": [progress[index] or Progress.NOT_ASKED for index in rows],
        }

    def _anonymous(self, types: list) -> dict[str, list]:
        """A workshop's counts (0 for an individual activity, as when left out)."""
        none = (0, 0, 0, False)
        counts = [
            counts if kind == ActivityType.COLLECTIVE and counts != "?" else none
            for kind, counts in zip(types, self.counts, strict=True)
        ]
        return {
            "anonymous_participants": [participants for participants, _, _, _ in counts],
            "anonymous_first_time": [max(participants - already, 0) for participants, already, _, _ in counts],
            "anonymous_progressed": [progressed for _, _, progressed, _ in counts],
            "anonymous_asked": [participants if asked else 0 for participants, _, _, asked in counts],
        }


LIST_COLUMNS = frozenset(column for _, column, _ in LISTS)
COUNT_COLUMNS = ("participants", "participants_deja_accompagnes", "participants_progression")
COUNT_NAMES = ("Participants", "Participants déjà accompagnés", "Participants ayant progressé")
