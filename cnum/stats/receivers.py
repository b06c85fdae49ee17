"""The rollup tables follow every ORM write that moves a figure (cnum.stats.rollups; docs/adr/0006):

- the activities' own announcements (cnum.activities.signals: `tracking()` around a service's writes);
- cnum.core.writes' gateway, which every write of the models below goes through (save, delete, queryset update and
  delete, bulk_create, bulk_update — admin, importers, factories alike): each is turned into a `tracking()` of the
  activities and people it may move, read before and after the write (`RESOLVERS`). Nested in a service's
  `tracking()`, it joins it.

A change that only creates (cnum.activities.signals: `creating()`, a recording with new people) reads nothing: its
new activities are queued in StatPending with the write and counted in batches just after it (cnum.stats.pending,
docs/adr/0009-deferred-rollups.md).

Reference data is not followed: régions, départements, communes and their EPCI, hubs' territories. After changing
them, run `python manage.py stats_rebuild` (`stats_verify` tells whether the tables still agree).
"""

from contextlib import contextmanager

from cnum.activities.models import Accompaniment, Activity, ActivityTag, Beneficiary
from cnum.activities.signals import (
    activities_changed,
    activities_changing,
    activities_created,
    activities_extending,
    current_change,
    tracking,
)
from cnum.advisors.models import Team, TeamMembership
from cnum.core import writes
from cnum.stats import pending, rollups
from cnum.stats.catalogue import PERSON_BREAKDOWNS
from cnum.structures.models import Network, Structure, StructureNetwork

STATE_KEY = "stats"
#: The fields whose change moves figures; a write of other fields only is not followed.
STRUCTURE_FIELDS = ("type", "commune", "departement")
MEMBERSHIP_FIELDS = ("team", "advisor", "start", "end", "status")
BENEFICIARY_FIELDS = ("is_followed", *(breakdown.field for breakdown in PERSON_BREAKDOWNS))


def on_activities_changing(sender, change, **kwargs):
    if not rollups.suspended():
        rollups.lock_drains(shared=True)  # no drain may count pending activities between its two snapshots
        change.state[STATE_KEY] = rollups.snapshot(change.activity_ids, change.beneficiary_ids)


def on_activities_extending(sender, change, activity_ids, beneficiary_ids, **kwargs):
    if STATE_KEY in change.state:
        rollups.extend(change.state[STATE_KEY], activity_ids, beneficiary_ids, created=change.activity_ids)


def on_activities_changed(sender, change, **kwargs):
    if STATE_KEY in change.state:
        rollups.apply_change(change.state.pop(STATE_KEY), change.activity_ids, change.beneficiary_ids)


def on_activities_created(sender, change, **kwargs):
    """New activities only: queued in the write's transaction, counted just after it (docs/adr/0008)."""
    if not rollups.suspended():
        pending.defer(change.activity_ids)


# --- what a write of each model may move: (activity ids, beneficiary ids), or None when nothing --------------------


def _activities(**lookups) -> set[int]:
    return set(Activity.objects.filter(**lookups).order_by().values_list("pk", flat=True))


def _stored(write, name: str) -> set:
    """The values of the field `name` in the rows the write touches, as stored now, and those it sets."""
    stored = write.model._base_manager.filter(pk__in=write.pks).values_list(name, flat=True)
    return set(stored) | write.targets(name)


def _accompaniments(write):
    rows = Accompaniment.objects.filter(pk__in=write.pks).values_list("activity_id", "beneficiary_id")
    return {a for a, _ in rows} | write.targets("activity"), {b for _, b in rows} | write.targets("beneficiary")


def _beneficiaries(write):
    return (set(), set(write.pks)) if write.may_change(BENEFICIARY_FIELDS) else None


def _structures(write):
    # A write touching no stored structure creates new ones, which no activity names yet: nothing to read (an
    # importer creating the employers of a history would otherwise read the activities, as many as it has written).
    if not write.pks or not write.may_change(STRUCTURE_FIELDS):
        return None
    return _activities(structure_id__in=write.pks), set()


def _memberships(write):
    if not write.may_change(MEMBERSHIP_FIELDS):
        return None
    return _activities(advisor_id__in=_stored(write, "advisor")), set()


RESOLVERS = {
    Activity: lambda write: (set(write.pks), set()),
    Accompaniment: _accompaniments,
    # Attaching or detaching a tag (activity.tags.add/remove/set/clear write through ActivityTag's manager).
    ActivityTag: lambda write: (_stored(write, "activity"), set()),
    Beneficiary: _beneficiaries,
    Structure: _structures,
    StructureNetwork: lambda write: (_activities(structure_id__in=_stored(write, "structure")), set()),
    Network: lambda write: (_activities(structure__networks__in=write.pks), set()) if write.delete else None,
    TeamMembership: _memberships,
    Team: lambda write: (_activities(advisor__team_memberships__team__in=write.pks), set()) if write.delete else None,
}


def _declared(write, resolve):
    found = resolve(write)
    if found is None:
        return None
    activity_ids, beneficiary_ids = found
    # A person's figures depend on all their activities (first accompaniment, distinct counts): follow them too.
    people = Accompaniment.objects.filter(activity_id__in=activity_ids).values_list("beneficiary_id", flat=True)
    return activity_ids, beneficiary_ids | set(people)


#: The models a `creating()` change writes new rows of (an activity, its people, accompaniments and tags).
CREATED = (Activity, Beneficiary, Accompaniment, ActivityTag)


@contextmanager
def follow_write(write):
    change = current_change()
    if change is not None and change.creates_only and not rollups.suspended():
        yield from _follow_creation(write, change)
        return
    resolve = RESOLVERS.get(write.model)
    found = _declared(write, resolve) if resolve and not rollups.suspended() else None
    if found is None:
        yield
        return
    with tracking(activity_ids=found[0], beneficiary_ids=found[1]) as change:
        yield
        after = _declared(write, resolve) or (set(), set())
        change.add(activity_ids=after[0], beneficiary_ids=after[1])


def _follow_creation(write, change):
    """Inside `creating()`, a write may only create rows of CREATED (or save again the activities and people created
    in the change): nothing is read before it, the new activities are queued at the end."""
    own = {Activity: change.activity_ids, Beneficiary: change.beneficiary_ids}.get(write.model, set())
    if write.model in RESOLVERS and (write.model not in CREATED or write.delete or not write.pks <= own):
        raise RuntimeError(f"A creating() change may not change existing rows ({write.model.__name__}).")
    yield
    created = {obj.pk for obj in write.instances if obj.pk is not None}
    if write.model is Activity:
        change.add(activity_ids=created)
    elif write.model is Beneficiary:
        change.add(beneficiary_ids=created)


def connect() -> None:
    activities_changing.connect(on_activities_changing, dispatch_uid="stats-activities-changing")
    activities_extending.connect(on_activities_extending, dispatch_uid="stats-activities-extending")
    activities_changed.connect(on_activities_changed, dispatch_uid="stats-activities-changed")
    activities_created.connect(on_activities_created, dispatch_uid="stats-activities-created")
    writes.follow(follow_write)
