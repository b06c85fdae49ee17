"""The rollups of activities appended in bulk (cnum.activities.signals.activities_appended: the importers' raw
writer, which bypasses the write gateway of docs/adr/0006), kept exact without reading the new rows back.

Cells: each activity's contribution is the one function of cnum.stats.rollups (`_add_activity`), computed once per
distinct content (the activity's fields, then what its anonymous participants and each kind of person add). The
activities arrive by columns; they are counted per (structure, advisor, month, type, place, day of a team member,
content, anonymous participants, people) in one C-level Counter update, the vectors multiplied by those counts and
summed per group, and only then spread over that group's scopes (a dozen each); the counts of the batches are
applied together (`CELLS_PENDING`).

A history whose activities share too few cells (`RECOUNT_BELOW`: a programme's, its thousands of
employers and their advisors' months) is counted again by the database at its end instead (`rollups_sql.rebuild`,
in the load's transaction), the load being larger than what was recorded before it (`signals.HISTORY`): its sums
would fill CELLS_PENDING keys every few thousand rows, each application upserting hundreds of thousands of cells.

Distinct counts (cnum.stats.catalogue.DISTINCTS):
- people: an appended activity's people are new anonymous people, each with this one accompaniment, so each is
  counted once in every cell its activity reaches;
- advisors: an advisor already counted in a (scope, period, type) cell must not be counted again. What each advisor
  of the load counts in is read once from the database (their activities written before), then kept up to date batch
  after batch, per structure and period (not per scope: a few hundred pairs an advisor), for the ADVISOR_CACHE
  advisors seen last; one who comes back after being dropped is read again.
"""

from collections import Counter, OrderedDict, defaultdict
from functools import lru_cache

from django.db.models import CharField
from django.db.models.functions import Cast, Substr

from cnum.activities.models import Activity
from cnum.activities.signals import HISTORY
from cnum.stats import rollups
from cnum.stats.catalogue import ADVISORS, DISTINCTS, PEOPLE, PERSON_BREAKDOWNS
from cnum.stats.models import StatPending
from cnum.stats.rollups import ScopeContext, Tally, month_of
from cnum.stats.rollups import periods_of as _periods_of

STATE_KEY = "stats-appends"
ADVISOR_CACHE = 2_000
#: Counted keys and distinct cells held before they are applied (≈ 150 bytes each).
CELLS_PENDING = 200_000
VECTORS = 100_000
#: A history is counted again at its end (`_Load.recount`) when its sums fill CELLS_PENDING keys before
#: RECOUNT_BELOW rows (or, applied already, in fewer rows a time on average): an activity then adds to cells of its
#: own, a dozen each, which a SQL recount of the whole table sums faster (docs/performance.md, « Files shaped like
#: the programme's »). Decided when they are full, before they are spread: nothing more is held.
RECOUNT_BELOW = 50_000
# Each distinct count needs its own reasoning here: a new one must say how it is kept for appended activities.
assert set(DISTINCTS) == {PEOPLE, ADVISORS}, "cnum.stats.appends: say how appended activities count the new distinct"


class _Load:
    """What the listener keeps for one load: the scopes' context, the advisors' cells, the sums not applied yet."""

    def __init__(self):
        self.context = ScopeContext()
        #: advisor id → (structure id → {(period, type)}, {(team scope, period, type)})
        self.advisors: OrderedDict[int, tuple[dict[int, set], set]] = OrderedDict()
        #: (advisor, structure, month or a team member's day, type) whose advisor cells are counted already.
        self.counted: set[tuple] = set()
        self.tally = Tally()
        #: How many activities share a (structure, advisor, day of a team member or None, month, type, place,
        #: content number, anonymous participants, people): applied as their vectors times that number (`_spread`).
        self.counts: Counter = Counter()
        #: An activity's content (what its vector depends on, its people and anonymous participants aside) → its
        #: number in `vectors`, its vector as (column index, value) pairs; a person's fields → what they add to their
        #: activity's vector.
        self.contents: dict[tuple, int] = {}
        self.vectors: list[list[tuple[int, int]]] = []
        self.people: dict[tuple, list[tuple[int, int]]] = {}
        #: A collective activity's anonymous participants (its type and ANONYMOUS fields) → what they add to its
        #: vector (None: nothing, an individual activity's or a workshop without anonymous participants).
        self.anonymous: dict[tuple, list[tuple[int, int]] | None] = {}
        #: Rows counted and sums applied so far; whether the load is counted again at its end instead.
        self.rows = self.applied = 0
        self.recount = False

    def count_again_at_the_end(self) -> None:
        """Stop following the load: nothing held any more (the sums applied so far are replaced by the recount)."""
        self.recount = True
        self.advisors, self.counted, self.tally, self.counts = OrderedDict(), set(), Tally(), Counter()
        self.contents, self.vectors, self.people, self.anonymous = {}, [], {}, {}


class _OneScope:
    """Stands for the ScopeContext in `rollups._add_activity`, to read an activity's vector alone: one scope."""

    def scopes(self, structure_id, advisor_id, day):
        return [("", "")]

    def employer(self, structure_id):
        return ""


#: The periods of a day, formatted once per day (strftime is slow).
periods_of = lru_cache(maxsize=4_096)(_periods_of)

#: What a collective activity's anonymous participants add to its vector depends on them alone (`_add_activity` adds
#: them to its counts and breakdowns whatever its other fields): their vectors apart, a file's workshops share a few
#: hundred contents instead of one each.
ANONYMOUS = (
    "anonymous_participants",
    "anonymous_first_time",
    "anonymous_progressed",
    "anonymous_asked",
    "anonymous_breakdown",
)
#: What an activity's vector depends on (rollups.ACTIVITY_FIELDS but its keys: id, date, structure, advisor; and its
#: anonymous participants, apart), read at once; JSON values (lists, the breakdown) made hashable one by one.
CONTENT = tuple(
    name
    for name in dict.fromkeys(rollups.ACTIVITY_FIELDS)
    if name not in ("pk", "date", "advisor_id", "structure_id", *ANONYMOUS)
)
#: An activity's vector with no anonymous participant.
NOBODY = {
    "anonymous_participants": 0,
    "anonymous_first_time": 0,
    "anonymous_progressed": 0,
    "anonymous_asked": 0,
    "anonymous_breakdown": {},
}
assert set(NOBODY) == set(ANONYMOUS) and set(ANONYMOUS) <= set(rollups.ACTIVITY_FIELDS)
_JSON = {field.attname for field in Activity._meta.concrete_fields if field.get_internal_type() == "JSONField"}
#: The (advisor, structure, period, type) combinations remembered as counted, at most (then forgotten: counting one
#: again finds its cells in the advisors' sets, or in the database for an advisor read again).
COUNTED = 200_000


def on_activities_appended(sender, activities, people, state, final=False, discarded=False, **kwargs):
    """`activities`: the appended activities by columns (attnames, `id` included); `people`: their new people by
    columns (`activity_id`, `is_first`, `progressed`, `is_followed` and the person's breakdown fields)."""
    if rollups.suspended():
        return
    if STATE_KEY not in state:
        # No drain may count queued activities while the load reads what its advisors already count in (PostgreSQL;
        # SQLite's write lock already serialises them): held until the file's transaction ends.
        rollups.lock_drains(shared=True)
    load = state.setdefault(STATE_KEY, _Load())
    if load.recount:
        if final and not discarded:
            from cnum.stats import rollups_sql  # it counts with the catalogue this module serves

            rollups_sql.rebuild()
        return
    if activities and activities["id"]:
        load.rows += len(activities["id"])
        load.context.load(set(activities["structure_id"]), set(activities["advisor_id"]))
        months = {day: month_of(day) for day in set(activities["date"])}
        _cells(load, activities, people, months)
        _advisors(load.tally, activities, load, months)
    # The sums of several batches fall in the same cells (a month of an advisor): they are applied together, at the
    # end of the load or once they fill CELLS_PENDING keys (memory stays bounded), always in its transaction.
    if (
        final
        or len(load.counts) + len(load.tally.people) > CELLS_PENDING
        or len(load.contents) + len(load.anonymous) > VECTORS
    ):
        if not final and state.get(HISTORY) and load.rows < RECOUNT_BELOW * (load.applied + 1):
            load.count_again_at_the_end()  # before spreading sums the recount replaces
            return
        _spread(load)
        rollups.apply(load.tally)
        rollups.bump_versions(load.tally)  # the cached dashboards of these scopes (cnum.stats.versions)
        load.tally = Tally()
        if len(load.contents) + len(load.anonymous) > VECTORS:
            load.contents, load.vectors, load.people, load.anonymous = {}, [], {}, {}
        load.applied += 1


def _cells(load: _Load, activities: dict[str, list], people: dict[str, list], months: dict) -> None:
    """Count the activities sharing a (structure, advisor, month, type, place, day of a team member) group, a
    content and people: each content's vector and each person's addition are computed once (`_add_activity`, the one
    definition), and summed into the groups only when applied (`_spread`)."""
    fields = ("is_first", "progressed", "is_followed", *(breakdown.field for breakdown in PERSON_BREAKDOWNS))
    persons = defaultdict(tuple)
    for activity_id, person in zip(
        people["activity_id"], zip(*(people[name] for name in fields), strict=True), strict=True
    ):
        persons[activity_id] += (person,)
    ids, dates, advisors = activities["id"], activities["date"], activities["advisor_id"]
    mine = [persons.get(activity_id, ()) for activity_id in ids] if persons else [()] * len(ids)
    contents = _contents(load, activities, mine)
    anonymous = _anonymous(load, activities, contents)
    memberships = load.context.memberships
    team_days = [day if memberships.get(advisor_id) else None for advisor_id, day in zip(advisors, dates, strict=True)]
    groups = zip(
        activities["structure_id"],
        advisors,
        team_days,
        map(months.__getitem__, dates),
        activities["type"],
        activities["place_type"],
        strict=True,
    )
    load.counts.update(zip(groups, contents, anonymous, mine, strict=True))


def _contents(load: _Load, activities: dict[str, list], mine: list[tuple]) -> list[int]:
    """Each activity's content number; the vectors of the contents and the additions of the people not met yet."""
    keys = list(
        zip(
            *(_hashable_column(activities[name]) if name in _JSON else activities[name] for name in CONTENT),
            strict=True,
        )
    )
    new = {key: index for index, key in enumerate(keys) if key not in load.contents}
    for key, index in new.items():
        load.contents[key] = len(load.vectors)
        load.vectors.append(_vector({**_row(activities, index), **NOBODY}, []))
    if any(mine):
        for people, index in dict(zip(mine, range(len(mine)), strict=True)).items():
            for person in people:
                if person not in load.people:
                    row = {**_row(activities, index), **NOBODY}
                    load.people[person] = _added(row, person, load.vectors[load.contents[keys[index]]])
    return list(map(load.contents.__getitem__, keys))


def _anonymous(load: _Load, activities: dict[str, list], contents: list[int]) -> list[tuple]:
    """Each activity's anonymous participants as a key of `load.anonymous`, their addition computed once a key (the
    row's vector without them is its content's, `contents`)."""
    keys = list(
        zip(
            activities["type"],
            *(_hashable_column(activities[name]) if name in _JSON else activities[name] for name in ANONYMOUS),
            strict=True,
        )
    )
    for key, index in dict(zip(keys, range(len(keys)), strict=True)).items():
        if key not in load.anonymous:
            load.anonymous[key] = _added(_row(activities, index), None, load.vectors[contents[index]]) or None
    return keys


def _row(activities: dict[str, list], index: int) -> dict:
    return {name: column[index] for name, column in activities.items()}


def _hashable_column(values: list) -> list:
    """The values made hashable, a list or dict met again as the same object (shared by the rows of one parsed
    text) converted once."""
    ids = list(map(id, values))
    hashable = {identity: _hashable(value) for identity, value in dict(zip(ids, values, strict=True)).items()}
    return list(map(hashable.__getitem__, ids))


def _spread(load: _Load) -> None:
    """Sum the counted activities per group, then add the groups' sums to the tally, in each scope of the group: the
    cells, and the new people, counted once in each (scope, period, type) cell of StatPeople their activity reaches
    (they have no other activity)."""
    # A group's sums in a list, one place per measure and the people's number last: a Counter's missing key goes
    # through Python (`__missing__`), and most keys counted are met once.
    width = len(rollups.MEASURES)
    groups: dict[tuple, list[int]] = {}
    vectors, added, anonymous = load.vectors, load.people, load.anonymous
    for (group, content, nameless, people), count in load.counts.items():
        sums = groups.get(group)
        if sums is None:
            sums = groups[group] = [0] * (width + 1)
        for index, value in vectors[content]:
            sums[index] += value * count
        more = anonymous[nameless]
        if more:
            for index, value in more:
                sums[index] += value * count
        if people:
            for person in people:
                for index, value in added[person]:
                    sums[index] += value * count
            sums[width] += len(people) * count
    load.counts.clear()
    context, tally = load.context, load.tally
    for (structure_id, advisor_id, team_day, month, kind, place), sums in groups.items():
        suffix = (month, kind, place, context.employer(structure_id))
        scopes = context.fixed_scopes(structure_id, advisor_id)
        if team_day:
            scopes += context.teams(advisor_id, team_day)
        people = sums.pop()
        summed = [(index, value) for index, value in enumerate(sums) if value]
        for scope in scopes:
            cell = tally.cells[(*scope, *suffix)]
            for index, value in summed:
                cell[index] += value
            if people:
                for period in periods_of(team_day or month):
                    tally.people[(*scope, period, "", PEOPLE.column)] += people
                    tally.people[(*scope, period, kind, PEOPLE.column)] += people


def _vector(row: dict, people: list) -> list[tuple[int, int]]:
    scratch = Tally()
    rollups._add_activity(scratch, {**row, "pk": row["id"]}, list(people), _OneScope())
    (vector,) = scratch.cells.values()
    return [(index, value) for index, value in enumerate(vector) if value]


def _added(row: dict, person: tuple | None, alone: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """What one person adds to their activity's vector: `_add_activity` sums its people one by one (counts and
    their breakdowns), so it is the same whatever the activity (the property tests hold it to that). Without a
    person: what the row has more than `alone` (its anonymous participants)."""
    added = Counter(dict(_vector(row, [] if person is None else [person])))
    added.subtract(dict(alone))
    return [(index, value) for index, value in added.items() if value]


def _hashable(value):
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return repr(sorted(value.items()))
    return value


def _advisors(tally: Tally, activities: dict[str, list], load: _Load, months: dict) -> None:
    context = load.context
    advisors, dates = activities["advisor_id"], activities["date"]
    _remember(load, set(advisors), activities["id"])
    memberships = context.memberships
    days = [
        day if memberships.get(advisor_id) else months[day] for advisor_id, day in zip(advisors, dates, strict=True)
    ]
    met = set(zip(advisors, activities["structure_id"], days, activities["type"], strict=True))
    for advisor_id, structure_id, day, kind in met - load.counted:
        structures, team_cells = load.advisors[advisor_id]
        for period in periods_of(day):
            for type_ in ("", kind):
                _count_structure(tally, context, advisor_id, structures, structure_id, (period, type_))
        for scope in context.teams(advisor_id, day) if memberships.get(advisor_id) else ():
            for period in periods_of(day):
                for type_ in ("", kind):
                    if (scope, period, type_) not in team_cells:
                        team_cells.add((scope, period, type_))
                        tally.people[(*scope, period, type_, ADVISORS.column)] += 1
    if len(load.counted) > COUNTED:
        load.counted.clear()
    load.counted |= met
    while len(load.advisors) > ADVISOR_CACHE:
        load.advisors.popitem(last=False)


def _count_structure(tally, context, advisor_id, structures: dict, structure_id: int, cell: tuple) -> None:
    """Count the advisor in the cell `cell` (period, type) of each scope of `structure_id` they were not counted in
    yet through another structure (a région, the country, the advisor themselves are shared)."""
    mine = structures.setdefault(structure_id, set())
    if cell in mine:
        return
    mine.add(cell)
    others = [other for other, cells in structures.items() if other != structure_id and cell in cells]
    covered = {scope for other in others for scope in context.fixed_scopes(other, advisor_id)}
    for scope in context.fixed_scopes(structure_id, advisor_id):
        if scope not in covered:
            tally.people[(*scope, *cell, ADVISORS.column)] += 1


def _remember(load: _Load, advisor_ids: set[int], batch_ids: list[int]) -> None:
    """Read the cells of the advisors not kept, from their activities but this batch's (written already)."""
    for advisor_id in advisor_ids & load.advisors.keys():
        load.advisors.move_to_end(advisor_id)
    missing = sorted(advisor_ids - load.advisors.keys())
    if not missing:
        return
    context = load.context
    for advisor_id in missing:
        load.advisors[advisor_id] = ({}, set())
    # Activities queued for a drain (cnum.stats.pending) are not counted yet: the drain counts their advisor itself.
    rows = Activity.objects.filter(advisor_id__in=missing).exclude(pk__in=batch_ids).order_by()
    rows = rows.exclude(pk__in=StatPending.objects.values("activity"))
    month = Substr(Cast("date", CharField()), 1, 7)
    monthly = rows.annotate(cnum_month=month).values_list("advisor_id", "structure_id", "cnum_month", "type")
    fine = list(monthly.distinct())
    context.load({structure_id for _, structure_id, _, _ in fine}, missing)
    for advisor_id, structure_id, text, kind in fine:
        structures = load.advisors[advisor_id][0]
        first = rollups._first_of(text)
        for period in periods_of(first):
            structures.setdefault(structure_id, set()).update({(period, ""), (period, kind)})
    members = [advisor_id for advisor_id in missing if context.memberships.get(advisor_id)]
    if members:
        daily = rows.filter(advisor_id__in=members).values_list("advisor_id", "date", "type").distinct()
        for advisor_id, day, kind in daily:
            cells = load.advisors[advisor_id][1]
            for scope in context.teams(advisor_id, day):
                for period in periods_of(day):
                    cells.update({(scope, period, ""), (scope, period, kind)})
