"""Announcements of changes to activities and accompaniments, for the layers above (the statistics keep their
rollup tables up to date with them) without this app importing them.

Every write that changes what activities count goes through `tracking()`:

    with tracking(activity_ids=[activity.pk], beneficiary_ids=people) as change:
        ...write...
        change.add(activity_ids=[new.pk], beneficiary_ids=new_people)

`activities_changing` is sent before the write, `activities_changed` after it, both with the same `change`.
Declare up front every existing activity and every existing beneficiary the write touches (a listener reads
their state before the write); ids of rows the write creates are added afterwards with `change.add`. A nested
`tracking()` joins the outer one: the existing rows it declares that the outer one did not cover are announced
(`activities_extending`) before its write, so that listeners read their state before it too.

The models' own writes go through `tracking()` as well (cnum.core.writes' gateway, followed by the statistics):
a service's `tracking()` only groups them into one change.

A write that only creates — a new activity whose people are new too (an anonymous person), or have no other
activity the write changes — goes through `creating()` instead: nothing existed before it, so there is nothing to
read before the write, and `activities_created` is sent once it is done, in its transaction. The statistics then
count the new activities in batches just after the commit (docs/adr/0009-deferred-rollups.md).
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.dispatch import Signal

activities_changing = Signal()
activities_changed = Signal()
#: A nested tracking() declares existing rows its outer change did not cover: `activity_ids`, `beneficiary_ids`.
activities_extending = Signal()
#: A `creating()` change is written: `change.activity_ids` are new activities (their people new or unchanged).
activities_created = Signal()

_local = threading.local()


@dataclass
class ActivityChange:
    activity_ids: set[int] = field(default_factory=set)
    beneficiary_ids: set[int] = field(default_factory=set)
    #: Listeners keep what they read before the write here, under a key of their own.
    state: dict = field(default_factory=dict)
    #: A `creating()` change: it writes new rows only, and declares no existing one.
    creates_only: bool = False

    def add(self, *, activity_ids=(), beneficiary_ids=()) -> None:
        self.activity_ids.update(pk for pk in activity_ids if pk is not None)
        self.beneficiary_ids.update(pk for pk in beneficiary_ids if pk is not None)


@contextmanager
def tracking(*, activity_ids=(), beneficiary_ids=()):
    outer = current_change()
    if outer is not None:
        _extend(outer, activity_ids, beneficiary_ids)
        yield outer
        return
    change = ActivityChange()
    change.add(activity_ids=activity_ids, beneficiary_ids=beneficiary_ids)
    activities_changing.send(sender=ActivityChange, change=change)
    with _current(change, then=activities_changed):
        yield change


@contextmanager
def creating():
    """A change that only creates activities, with new people or followed people whose other activities it leaves
    as they are (no first-accompaniment flag moves): add the new activities with `change.add`. Listeners are told
    after the write (`activities_created`), with nothing read before it. Nested in a `tracking()`, it joins it."""
    outer = current_change()
    if outer is not None:
        yield outer
        return
    with _current(ActivityChange(creates_only=True), then=activities_created) as change:
        yield change


@contextmanager
def _current(change: ActivityChange, *, then: Signal):
    """`change` as this thread's change while the block writes; `then` sent with it once the block ended without
    an error."""
    _local.change = change
    try:
        yield change
    finally:
        _local.change = None
    then.send(sender=ActivityChange, change=change)


def current_change() -> ActivityChange | None:
    """The change being written in this thread, if any."""
    return getattr(_local, "change", None)


def _extend(outer: ActivityChange, activity_ids, beneficiary_ids) -> None:
    """Rows created earlier in the change count as covered: they had no state before it."""
    activities = {pk for pk in activity_ids if pk is not None} - outer.activity_ids
    people = {pk for pk in beneficiary_ids if pk is not None} - outer.beneficiary_ids
    if outer.creates_only and (activities or people):
        raise RuntimeError("A creating() change may not touch existing activities or people: use tracking().")
    if activities or people:
        activities_extending.send(sender=ActivityChange, change=outer, activity_ids=activities, beneficiary_ids=people)
    outer.add(activity_ids=activities, beneficiary_ids=people)


#: Activities written in bulk by raw SQL (the importers, through cnum.core.bulk, which bypasses the write gateway),
#: sent after the write, in its transaction, with `activities` (by columns: every Activity field by attname, `id`
#: included, each a list over the batch's activities), `people` (by columns over the new anonymous people: their
#: Beneficiary's and Accompaniment's fields and `activity_id`; only new people: an appended activity never names an
#: existing one) and `state` (a dict the sender keeps for the
#: whole load, where listeners keep what they learn from one batch to the next). A load ends, still in its
#: transaction, with one more signal with `final=True` (and no rows): listeners may hold sums until then; it says
#: `discarded=True` when the load's transaction is to be rolled back (a rejected row, a dry run). A load that brings
#: more activities than are recorded (the first import of a history) says so in its state (`state[HISTORY]`):
#: listeners may then count the whole table again at its end rather than follow each batch. Listeners must account
#: for the new rows exactly: nothing else will.
activities_appended = Signal()
HISTORY = "history"
