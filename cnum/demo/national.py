"""A national-scale demo, shaped like the programme at the end of 2025 (DOMAIN.md headline figures), for the
benchmarks of issue #7: ≈2,900 employer structures (≈60 % public), ≈3,500 posts and ≈4,000 advisors (≈15 % of
posts changed holder), ≈5,000 sites on real communes drawn by population, and 4.5 million activities from
November 2021 to December 2025 with the seasons of `cnum.demo.activities`, for ≈3 million distinct people.

People: 30 % of individual accompaniments are anonymous (one person each); a followed person comes back with
RETURNING_SHARE; workshops count their participants anonymously, a few of them for the first time. That gives
≈0.67 people per activity (≈3 M for 4.5 M activities), and `activities=` scales both.

Speed and memory: ids are assigned here (no RETURNING round trip), rows are prepared as tuples and written by
chunks of CHUNK on the database's own cursor (executemany on SQLite, COPY on PostgreSQL), one advisor at a
time in date order, so that each person's first accompaniment is known when it is written (`is_first`) and
memory holds one advisor's people and one chunk per table, never the whole history.
"""

import datetime
import json
import random
from bisect import bisect
from collections import defaultdict
from contextlib import contextmanager
from itertools import accumulate

from django.core.management.color import no_style
from django.db import connection

from cnum.activities.enums import (
    ActivityType,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    Level,
    PlaceType,
    RedirectionCategory,
    SocialStatus,
    Theme,
)
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.activities.services import normalize_person_name
from cnum.advisors.enums import ContractEndReason
from cnum.advisors.models import Advisor, Contract, SiteAssignment
from cnum.core.bulk import analyze, plain, write_rows
from cnum.demo import activities as shapes
from cnum.demo.later_waves import luhn_complete
from cnum.demo.registry import contract_kind, hub_by_departement
from cnum.sites.models import Site
from cnum.structures.enums import ApplicationStatus, ConventionStatus, Phase, StructureType
from cnum.structures.models import CoselecDecision, Post, Structure
from cnum.territories.enums import CommuneKind
from cnum.territories.models import Commune, PostalCode

SOURCE = "demo-national"
NATIONAL_ACTIVITIES = 4_500_000
STRUCTURES, POSTS, SITES = 2_900, 3_480, 5_000
#: Posts whose first holder left and was replaced: 3,480 × 1.15 ≈ 4,000 advisors.
REPLACED_SHARE = 0.15
FIRST_MONTH, LAST_DAY = datetime.date(2021, 11, 1), datetime.date(2025, 12, 31)
RETURNING_SHARE = 0.40
FOLLOWED_IN_WORKSHOP = 0.20
CHUNK = 50_000
PUBLIC_TYPES = {"commune": 55, "epci": 25, "departement": 8, "region": 2, "collectivite": 2, "gip": 8}
PRIVATE_TYPES = {"association": 75, "private": 25}
LABELS = {"epci": "Communauté de communes", "departement": "Conseil départemental", "region": "Région"}
LABELS |= {"collectivite": "Collectivité", "gip": "GIP", "association": "Association", "private": "Coopérative"}
STAMP = "2025-12-31 12:00:00"


class Weighted:
    """Draw from a fixed population with fixed weights, fast (cumulative weights computed once)."""

    def __init__(self, items, weights):
        self.items, self.cumulative = list(items), list(accumulate(weights))

    def draw(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class BulkWriter:
    """Rows buffered per table and written by CHUNK on the DB-API cursor: COPY on PostgreSQL, executemany on
    SQLite. Tables are flushed in the order they were first given rows, so referenced rows come first."""

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection
        self.columns: dict[str, tuple[str, ...]] = {}
        self.rows: dict[str, list[tuple]] = {}
        self.written: dict[str, int] = defaultdict(int)

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        if table not in self.rows:
            self.columns[table], self.rows[table] = columns, []
        self.rows[table].append(row)
        if len(self.rows[table]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self._write(table, self.columns[table], rows)
                self.written[table] += len(rows)
                rows.clear()

    def _write(self, table, columns, rows) -> None:
        write_rows(table, columns, rows)


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


_PLANS: dict[tuple, tuple[tuple[str, ...], list]] = {}


def model_row(model, values: dict) -> tuple[tuple[str, ...], tuple]:
    """Columns and values of one row of `model`: the given values, else the field's default (JSON as text),
    NULL for nullable columns left out. For the small registry tables; the big ones build their tuples."""
    key = (model, frozenset(values))
    if key not in _PLANS:
        _PLANS[key] = _plan(model, values)
    columns, plan = _PLANS[key]
    return columns, tuple(_plain(values[name]) if name else default for name, default in plan)


def _plan(model, values: dict) -> tuple[tuple[str, ...], list]:
    columns, plan = [], []
    for field in model._meta.concrete_fields:
        if field.attname in values:
            plan.append((field.attname, None))
        elif field.has_default():
            plan.append((None, _plain(field.get_default())))
        elif field.null:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            plan.append((None, STAMP))
        else:
            plan.append((None, ""))
        columns.append(field.column)
    return tuple(columns), plan


_plain = plain


# --- the registry --------------------------------------------------------------------------------------------------


class Registry:
    """Structures, posts, sites, advisors and contracts, drawn then written; kept for the activities."""

    def __init__(self, rng: random.Random, writer: BulkWriter):
        self.rng, self.writer = rng, writer
        rows = (
            Commune.objects.filter(kind=CommuneKind.CURRENT, population__gt=0, departement__isnull=False)
            .order_by("pk")
            .values_list("pk", "code", "name", "departement_id", "population")
        )
        self.communes = {pk: (code, name, departement) for pk, code, name, departement, _ in rows}
        self.by_population = Weighted([row[0] for row in rows], [row[4] for row in rows])
        by_departement = defaultdict(list)
        for pk, _, _, departement, population in rows:
            by_departement[departement].append((pk, population))
        self.in_departement = {
            code: Weighted([pk for pk, _ in pairs], [p for _, p in pairs]) for code, pairs in by_departement.items()
        }
        self.postal_codes = dict(PostalCode.objects.order_by("-pk").values_list("commune_id", "code"))
        self.structures: dict[int, dict] = {}
        self.sites_of: dict[int, list[int]] = defaultdict(list)
        self.contracts: list[dict] = []

    def add(self, model, values: dict) -> None:
        columns, row = model_row(model, values)
        self.writer.add(model._meta.db_table, columns, row)

    def build(self) -> None:
        self._structures()
        self._sites()
        self._posts_and_advisors()
        self.writer.flush()

    def _structures(self) -> None:
        rng, hubs, identifiers = self.rng, hub_by_departement(), set()
        public, private = (
            Weighted(PUBLIC_TYPES, PUBLIC_TYPES.values()),
            Weighted(PRIVATE_TYPES, PRIVATE_TYPES.values()),
        )
        pk = next_id(Structure)
        for _ in range(STRUCTURES):
            type_ = (public if rng.random() < 0.6 else private).draw(rng)
            commune = self.by_population.draw(rng)
            code, name, departement = self.communes[commune]
            prefix = "2" if type_ in StructureType.public_types() else "4"
            siret = luhn_complete(
                luhn_complete(prefix + f"{rng.randrange(10**7):07d}") + f"{rng.randrange(10**4):04d}"
            )
            siret = "" if siret in identifiers else siret
            identifiers.add(siret)
            label = f"Commune de {name}" if type_ == StructureType.COMMUNE else f"{LABELS[type_]} de {name} n° {pk}"
            self.structures[pk] = {"type": type_, "commune": commune, "departement": departement, "posts": []}
            self.add(
                Structure,
                {
                    "id": pk,
                    "name": label[:255],
                    "identifier": siret,
                    "type": type_,
                    "postal_code": self.postal_codes.get(commune, ""),
                    "commune_id": commune,
                    "departement_id": departement,
                    "hub_id": hubs.get(departement),
                    "qpv": rng.random() < 0.2,
                    "zrr": rng.random() < 0.17,
                    "application_status": ApplicationStatus.COSELEC_APPROVED,
                    "convention_status": shapes_convention(rng),
                    "source": SOURCE,
                    "source_id": str(pk),
                },
            )
            pk += 1

    def _sites(self) -> None:
        """A main site in each structure's commune, then the others on communes of its département."""
        rng, pk = self.rng, next_id(Site)
        owners = list(self.structures) + [rng.choice(list(self.structures)) for _ in range(SITES - STRUCTURES)]
        for index, structure_id in enumerate(owners):
            structure = self.structures[structure_id]
            commune = structure["commune"] if index < STRUCTURES else self._near(structure["departement"])
            code, name, departement = self.communes[commune]
            self.add(
                Site,
                {
                    "id": pk,
                    "source": SOURCE,
                    "source_id": str(pk),
                    "name": f"Permanence numérique de {name}"[:255],
                    "structure_id": structure_id,
                    "address": f"{rng.randint(1, 120)} rue de la République",
                    "postal_code": self.postal_codes.get(commune, code),
                    "commune_name": name,
                    "commune_id": commune,
                    "departement_id": departement,
                    "updated_on": datetime.date(2025, 12, 1),
                },
            )
            self.sites_of[structure_id].append(pk)
            pk += 1

    def _near(self, departement: str) -> int:
        return self.in_departement[departement].draw(self.rng)

    def _posts_and_advisors(self) -> None:
        rng, ids = self.rng, list(self.structures)
        counts = dict.fromkeys(ids, 1)
        for structure_id in rng.choices(ids, k=POSTS - STRUCTURES):
            counts[structure_id] += 1
        decision, post, advisor = next_id(CoselecDecision), next_id(Post), next_id(Advisor)
        contract, assignment = next_id(Contract), next_id(SiteAssignment)
        for structure_id in ids:
            granted = datetime.date(2021, 1, 15) + datetime.timedelta(days=rng.randrange(330))
            self.add(
                CoselecDecision,
                {"id": decision, "structure_id": structure_id, "number": f"C{granted:%y%m}", "date": granted}
                | {"phase": Phase.PHASE_1, "posts_granted": counts[structure_id]},
            )
            for _ in range(counts[structure_id]):
                holders = self._holders(granted)
                vacant = holders[-1]["end"]
                self.add(
                    Post,
                    {"id": post, "structure_id": structure_id, "granted_by_id": decision, "granted_on": granted}
                    | {"vacant_since": vacant},
                )
                for holder in holders:
                    self._advisor(advisor, contract, assignment, structure_id, post, holder)
                    self.contracts.append({"advisor": advisor, "structure": structure_id, **holder})
                    advisor, contract, assignment = advisor + 1, contract + 1, assignment + 2
                post += 1
            decision += 1

    def _holders(self, granted: datetime.date) -> list[dict]:
        rng = self.rng
        start = granted + datetime.timedelta(days=rng.randrange(30, 300))
        if rng.random() >= REPLACED_SHARE:
            return [{"start": start, "end": None}]
        end = start + datetime.timedelta(days=rng.randrange(200, 900))
        successor = end + datetime.timedelta(days=rng.randrange(15, 90))
        return [{"start": start, "end": end}, {"start": successor, "end": None}]

    def _advisor(self, advisor, contract, assignment, structure_id, post, holder) -> None:
        rng = self.rng
        first, last = rng.choice(shapes.FIRST_NAMES), rng.choice(shapes.LAST_NAMES)
        email = f"{normalize_person_name(first, last).replace(' ', '.')}.{advisor}@conseiller.demo.cnum.fr"
        self.add(Advisor, {"id": advisor, "first_name": first, "last_name": last, "email": email})
        kind = contract_kind(public=self.structures[structure_id]["type"] in StructureType.public_types(), rng=rng)
        reason = ContractEndReason.RESIGNATION if holder["end"] else ""
        self.add(
            Contract,
            {"id": contract, "advisor_id": advisor, "structure_id": structure_id, "post_id": post, "kind": kind}
            | {"start": holder["start"], "end": holder["end"], "end_reason": reason},
        )
        sites = self.sites_of[structure_id]
        chosen = [sites[0]] + ([rng.choice(sites[1:])] if len(sites) > 1 and rng.random() < 0.5 else [])
        holder["sites"] = chosen
        for offset, site in enumerate(chosen):
            self.add(
                SiteAssignment,
                {"id": assignment + offset, "advisor_id": advisor, "site_id": site}
                | {"start": holder["start"], "end": holder["end"]},
            )


def shapes_convention(rng: random.Random) -> str:
    """70 % of structures re-engaged after the December 2022 terms (written answer no. 2656)."""
    return ConventionStatus.RENEWAL_VALIDATED if rng.random() < 0.70 else ConventionStatus.VALIDATED


# --- the activities ------------------------------------------------------------------------------------------------

ACTIVITY_COLUMNS = (
    "id, type, date, duration_minutes, place_type, site_id, commune_id, themes, demarche_themes, equipment, "
    "autonomy, level, title, redirection_category, redirection_other, notes, anonymous_participants, "
    "anonymous_first_time, anonymous_progressed, anonymous_asked, anonymous_breakdown, advisor_id, structure_id, "
    "source, source_id, created_at, updated_at"
).split(", ")
BENEFICIARY_COLUMNS = (
    "id, advisor_id, is_followed, first_name, last_name, normalized_name, phone, email, consent_date, genre, "
    "age_bracket, social_status, notes, created_at"
).split(", ")
ACCOMPANIMENT_COLUMNS = ("id", "activity_id", "beneficiary_id", "is_first", "progressed")
PROCEDURES = Theme.PROCEDURES.value
THEMES = Weighted(shapes.THEME_WEIGHTS, shapes.THEME_WEIGHTS.values())
THEME_ITEMS = shapes.THEME_WEIGHTS.items()
#: Workshops are rarely about one person's procedures.
WORKSHOP_THEMES = Weighted(shapes.THEME_WEIGHTS, [3 if t == PROCEDURES else w for t, w in THEME_ITEMS])
DEMARCHES = Weighted([str(t.value) for t in shapes.DEMARCHE_WEIGHTS], shapes.DEMARCHE_WEIGHTS.values())
AGES = Weighted([str(a.value) for a in shapes.AGE_WEIGHTS], shapes.AGE_WEIGHTS.values())
STATUS_BY_AGE = {str(age.value): str(status.value) for age, status in shapes.STATUS_BY_AGE.items()}
WORKING = [SocialStatus.EMPLOYED.value, SocialStatus.UNEMPLOYED.value]
INDIVIDUAL, COLLECTIVE = ActivityType.INDIVIDUAL.value, ActivityType.COLLECTIVE.value
EQUIPMENT = Weighted([json.dumps([value]) for value in Equipment.values], [30, 40, 15, 5, 10])
DURATIONS = Weighted([15, 30, 45, 60, 90], [10, 35, 25, 22, 8])
AUTONOMY = Weighted(Autonomy.values, [45, 40, 15])
LEVELS = Weighted(Level.values, [60, 30, 10])
GENRES = Weighted(Genre.values, [42, 53, 5])
PROGRESS = Weighted([str(p.value) for p in shapes.PROGRESS_WEIGHTS], shapes.PROGRESS_WEIGHTS.values())
FIRST_TIME = Weighted([0, 1, 2], [70, 20, 10])
REDIRECTIONS = Weighted(RedirectionCategory.values, [25, 10, 20, 15, 10, 10, 10])
THEME_ORDER = {theme.value: index for index, theme in enumerate(Theme)}
DEMARCHE_ORDER = {theme.value: index for index, theme in enumerate(DemarcheTheme)}


def months(first: datetime.date = FIRST_MONTH, last: datetime.date = LAST_DAY) -> list[datetime.date]:
    result, day = [], first
    while day <= last:
        result.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return result


def month_days(month: datetime.date, last_day: datetime.date = LAST_DAY) -> list[datetime.date]:
    """Weekdays of the month up to `last_day`, each repeated by its seasonality (in tenths) so that a uniform draw
    follows it."""
    days, day = [], month
    while day.month == month.month and day <= last_day:
        if day.weekday() < 5:
            days.extend([day] * round(10 * shapes.seasonality(day)))
        day += datetime.timedelta(days=1)
    return days


class People:
    """The activities, people and accompaniments of the programme, written one advisor at a time."""

    def __init__(self, *, registry: Registry, writer: BulkWriter, rng: random.Random, total: int):
        self.prepare(registry=registry, writer=writer, rng=rng, first_month=FIRST_MONTH, last_day=LAST_DAY)
        load = sum(self.weight[m] * c["shares"][i] for c in registry.contracts for i, (m, _) in enumerate(self.months))
        self.rate = total / load

    def prepare(self, *, registry, writer, rng, first_month: datetime.date, last_day: datetime.date) -> None:
        """Ids, the months from `first_month` to `last_day` with their weights, each contract's share of them."""
        self.registry, self.writer, self.rng = registry, writer, rng
        self.last_day, self.source, self.collective_share = last_day, SOURCE, shapes.COLLECTIVE_SHARE
        self.activity, self.beneficiary = next_id(Activity), next_id(Beneficiary)
        self.accompaniment = next_id(Accompaniment)
        self.months = [(month, month_days(month, last_day)) for month in months(first_month, last_day)]
        self.weight = {month: len(days) / 200 for month, days in self.months}
        for contract in registry.contracts:
            contract["shares"] = [_active_share(contract, month, last_day) for month, _ in self.months]
        self.names = shapes.PersonNames()
        self.json = {}

    def write(self, progress=None) -> None:
        for contract in self.registry.contracts:
            written = self._advisor(contract)
            if progress:
                progress(written)
        self.writer.flush()

    def _advisor(self, contract: dict) -> int:
        followed, written = [], 0
        structure = self.registry.structures[contract["structure"]]
        self.names.new_advisor()
        for (month, days), share in zip(self.months, contract["shares"], strict=True):
            written += self._month(contract, structure, days, self.rate * self.weight[month] * share, followed)
        return written

    def _month(self, contract, structure, days, expected: float, followed: list[int]) -> int:
        """About `expected` activities of `contract` on the month's `days`, in date order."""
        rng = self.rng
        count = int(expected) + (rng.random() < expected % 1)
        dates = sorted(d for d in (rng.choice(days) for _ in range(count)) if _active(contract, d, self.last_day))
        for day in dates:
            self._activity(contract, structure, day, followed)
        return len(dates)

    def _activity(self, contract, structure, day, followed: list[int]) -> None:
        rng, pk = self.rng, self.activity
        self.activity += 1
        collective = rng.random() < self.collective_share
        themes = self._themes(collective)
        demarches = "[]"
        if PROCEDURES in themes and rng.random() < 0.85:
            picked = {DEMARCHES.draw(rng) for _ in range(rng.choice([1, 1, 2]))}
            demarches = self._dumps(sorted(picked, key=DEMARCHE_ORDER.get))
        place, site, commune = self._place(contract, structure)
        redirection = REDIRECTIONS.draw(rng) if rng.random() < 0.1 else ""
        counts, breakdown, autonomy, level, title = (0, 0, 0, 0), "{}", "", "", ""
        if collective:
            duration, level, title = rng.choice([60, 90, 120]), LEVELS.draw(rng), rng.choice(shapes.WORKSHOP_TITLES)
            counts, breakdown = self._workshop_counts()
        else:
            duration, autonomy = DURATIONS.draw(rng), AUTONOMY.draw(rng)
        stamp = f"{day.isoformat()} 18:00:00"
        self.writer.add(
            "activities_activity",
            ACTIVITY_COLUMNS,
            (pk, COLLECTIVE if collective else INDIVIDUAL, day.isoformat(), duration)
            + (place, site, commune, self._dumps(themes), demarches, EQUIPMENT.draw(rng), autonomy, level, title)
            + (redirection, "", "", *counts, breakdown, contract["advisor"], contract["structure"], self.source, "")
            + (stamp, stamp),
        )
        if not collective:
            self._individual(pk, contract, day, followed)
        elif len(followed) >= 3 and rng.random() < FOLLOWED_IN_WORKSHOP:
            for person in rng.sample(followed, rng.randint(1, 3)):
                self._accompany(pk, person, first=False)

    def _themes(self, collective: bool) -> list[str]:
        source = WORKSHOP_THEMES if collective else THEMES
        picked = {source.draw(self.rng) for _ in range(self.rng.choices([1, 2, 3], [55, 33, 12])[0])}
        return sorted((str(theme.value) for theme in picked), key=THEME_ORDER.get)

    def _dumps(self, values: list[str]) -> str:
        key = tuple(values)
        if key not in self.json:
            self.json[key] = json.dumps(values)
        return self.json[key]

    def _place(self, contract, structure) -> tuple[str, int | None, int | None]:
        """A site needs a site, home and elsewhere a commune (the structure's), remote neither."""
        roll = self.rng.random()
        if roll < 0.78:
            return PlaceType.SITE.value, self.rng.choice(contract["sites"]), None
        if roll < 0.88:
            return PlaceType.REMOTE.value, None, None
        return (PlaceType.HOME.value if roll < 0.95 else PlaceType.OTHER.value), None, structure["commune"]

    def _workshop_counts(self) -> tuple[tuple[int, int, int, int], str]:
        rng = self.rng
        participants = rng.randint(3, 12)
        asked = rng.randint(0, participants)
        progressed = shapes.workshop_progressed(asked, rng)
        women = rng.randint(0, participants)
        breakdown = {"genre": {Genre.FEMALE.value: women, Genre.MALE.value: participants - women}}
        return (participants, min(FIRST_TIME.draw(rng), participants), progressed, asked), json.dumps(breakdown)

    def _individual(self, activity: int, contract, day, followed: list[int]) -> None:
        rng = self.rng
        if rng.random() < shapes.ANONYMOUS_SHARE:
            self._accompany(activity, self._person(contract["advisor"], day, followed=False), first=True)
        elif followed and rng.random() < RETURNING_SHARE:
            self._accompany(activity, rng.choice(followed), first=False)
        else:
            person = self._person(contract["advisor"], day, followed=True)
            followed.append(person)
            self._accompany(activity, person, first=True)

    def _person(self, advisor: int, day: datetime.date, *, followed: bool) -> int:
        rng, pk = self.rng, self.beneficiary
        self.beneficiary += 1
        age = AGES.draw(rng)
        status = STATUS_BY_AGE.get(age) or rng.choice(WORKING)
        first = last = normalized = ""
        consent = None
        if followed:
            first, last, normalized = self.names.draw(rng)
            consent = day.isoformat()
        self.writer.add(
            "activities_beneficiary",
            BENEFICIARY_COLUMNS,
            (pk, advisor, followed, first, last, normalized, "", "", consent, GENRES.draw(rng), age, status, "")
            + (f"{day.isoformat()} 18:00:00",),
        )
        return pk

    def _accompany(self, activity: int, person: int, *, first: bool) -> None:
        pk = self.accompaniment
        self.accompaniment += 1
        self.writer.add(
            "activities_accompaniment", ACCOMPANIMENT_COLUMNS, (pk, activity, person, first, PROGRESS.draw(self.rng))
        )


def _active(contract: dict, day: datetime.date, last_day: datetime.date = LAST_DAY) -> bool:
    return contract["start"] <= day <= (contract["end"] or last_day)


def _active_share(contract: dict, month: datetime.date, last_day: datetime.date = LAST_DAY) -> float:
    """The part of `month` the contract covers (0 to 1)."""
    last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    start, end = max(month, contract["start"]), min(last, contract["end"] or last_day, last_day)
    return max(0, (end - start).days + 1) / last.day


# --- entry point ---------------------------------------------------------------------------------------------------


@contextmanager
def foreign_keys_checked_once(models):
    """On PostgreSQL, the models' foreign keys are dropped for the bulk load and added back after it: adding a key
    checks every row in one join, where a key in place queues a check per written row (deferred to the commit
    by Django's constraints: minutes at national scale). SQLite checks its deferred keys cheaply: nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            (tables,),
        )
        keys = cursor.fetchall()
        # Keys are deferred to the commit: check what the transaction already wrote (the territories loaded by
        # `demo` on an empty database), since no table with checks pending can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


def national_create(*, seed: int, activities: int = NATIONAL_ACTIVITIES, progress=None) -> dict[str, int]:
    """Write the national demo (registry, activities, people); return the rows written per table. The territories
    and hubs must be loaded. Runs inside the caller's transaction; rollups are the caller's (stats_rebuild)."""
    writer = BulkWriter()
    models = [Structure, CoselecDecision, Post, Site, Advisor, Contract, SiteAssignment, Activity, Beneficiary]
    with foreign_keys_checked_once([*models, Accompaniment]):
        registry = Registry(random.Random(seed), writer)
        registry.build()
        People(registry=registry, writer=writer, rng=random.Random(seed + 1), total=activities).write(progress)
    sequences_reset([*models, Accompaniment])
    analyze(*models, Accompaniment)  # the rebuild and the live recounts that follow plan with the real sizes
    return dict(writer.written)


def sequences_reset(models) -> None:
    """After rows written with their ids, the next ids the database gives follow them (PostgreSQL's sequences)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
