"""New activities counted in batches just after their write (docs/adr/0009-deferred-rollups.md).

Recording an activity with new people only (the form's and the API's usual case) reads nothing before its write:
`defer()` writes a StatPending row per new activity in the write's transaction, and once it commits, `drain()` adds
every pending activity to the rollup tables in one batch (`apply_created`: one upsert per cell, however many
activities) and deletes their rows, in one transaction. One drain runs at a time (`rollups.lock_drains`); a drain
that finds the lock taken returns at once, and the drain holding it loops until the queue is empty, so no row
waits for the next write. Rows left by a process that died between the write and the drain are taken by the next
drain: at the next write, at a dashboard's read (`catch_up`), at a worker's start.

In gunicorn's workers (config/gunicorn.conf.py) a thread per worker drains, woken by the commits and gathering
`CNUM_STATS_DRAIN_DELAY_MS` of writes into one batch: the request answers without waiting for the tables.
Elsewhere (commands, tests, the task worker) the commit drains at once, in the writing thread.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from cnum.core.bulk import insert_object
from cnum.stats import rollups, versions
from cnum.stats.catalogue import DISTINCTS
from cnum.stats.models import StatPending

logger = logging.getLogger(__name__)
#: Pending activities counted per transaction.
BATCH = 2_000
#: Seconds between two looks at the queue when no commit wakes the drainer (rows of another process).
SWEEP = 5.0
#: Set within `caught_up()`.
_caught_up = contextvars.ContextVar("cnum_stats_caught_up", default=False)


def defer(activity_ids: Iterable[int]) -> None:
    """Queue new activities in the current transaction; they are counted just after it commits."""
    ids = sorted(set(activity_ids))
    if len(ids) == 1:  # a recording: one INSERT whose text is built once (issue #20)
        insert_object(StatPending(activity=ids[0]))
    elif ids:
        StatPending.objects.bulk_create([StatPending(activity=pk) for pk in ids])
    if ids:
        transaction.on_commit(_committed)


def _committed() -> None:
    if _drainer is not None and _drainer.is_alive():
        _drainer.wake()
    else:
        drain()


def waiting() -> bool:
    return StatPending.objects.exists()


def drain(*, batch: int = BATCH, until_empty: bool = True) -> int:
    """Count the pending activities, batch by batch, until none is left or another drain holds the lock; return
    how many were counted. `until_empty=False`: only while the batches come full (`drain_snapshot`)."""
    total = 0
    while waiting():
        done = _drain_batch(batch)
        if done is None:  # another drain holds the lock: it counts them
            break
        total += done
        if not until_empty and done < batch:
            break
    return total


def drain_snapshot(*, batch: int = BATCH) -> int:
    """Count the activities pending now, and no more: batch after batch while they come full (a backlog: rows a dead
    process left, a burst), then stop. The drainer thread's step: what commits meanwhile waits for its next step, a
    delay later, so that under a steady load each batch gathers a delay's worth of writes. Draining until the queue
    is empty, as `drain` does, never stopped under such a load and counted each time the few activities committed
    during the previous batch: batches of a few dozen, whose fixed cost made the drains take a quarter of the
    machine (issue #20: 1.1 ms of CPU per activity against 0.2 in batches of a second's writes)."""
    return drain(batch=batch, until_empty=False)


def catch_up() -> None:
    """Before reading the tables: count what is pending, so that a page never shows figures older than the writes
    it can see (one indexed look at an empty queue when nothing waits). Nothing within `caught_up()`."""
    if not _caught_up.get():
        drain()


@contextmanager
def caught_up():
    """Count what is pending once, then read: within, `catch_up` does nothing more (a page's parts that read the
    tables look at the queue once between them, at the start)."""
    catch_up()
    token = _caught_up.set(True)
    try:
        yield
    finally:
        _caught_up.reset(token)


@transaction.atomic
def _drain_batch(batch: int) -> int | None:
    if not rollups.lock_drains(wait=False):
        return None
    rows = list(StatPending.objects.order_by("pk").values_list("pk", "activity")[:batch])
    with _context_lock:
        apply_created([activity for _, activity in rows], context=_scope_context())
    if rows:  # one statement: the queryset's delete() reads the rows first, for the signals
        table, placeholders = connection.ops.quote_name(StatPending._meta.db_table), ", ".join(["%s"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", [pk for pk, _ in rows])
    return len(rows)


#: The drains' ScopeContext, under the versions it was read at (`_scope_context`).
_context: tuple[tuple[int, int], rollups.ScopeContext] | None = None
_context_lock = threading.Lock()


def _scope_context() -> rollups.ScopeContext:
    """The structures' scopes and the advisors' teams, kept from one drain to the next while the registry's and the
    tables' versions (cnum.stats.versions) stay the same — every write of a structure, a hub, a network or a team
    moves the registry's — instead of read again at every drain (6 of its 21 statements for 1, ≈ a third of its
    fixed cost: issue #20). Read under the drains' lock, after any change of them has committed. A drain inside an
    outer transaction (a command's, a test's) may see that transaction's own registry writes, which may still roll
    back and leave the version where it was: it reads the scopes afresh and keeps nothing."""
    global _context
    if connection.savepoint_ids:  # nested: not only committed rows
        return rollups.ScopeContext()
    key = versions.registry_key()
    if _context is None or _context[0] != key:
        _context = (key, rollups.ScopeContext())
    return _context[1]


def forget_scopes() -> None:
    """Read the scopes again at the next drain (tests: the database rolls back between them, its versions too)."""
    global _context
    _context = None


def apply_created(activity_ids: Iterable[int], *, context: rollups.ScopeContext | None = None) -> None:
    """Add to the tables what the activities `activity_ids`, written but not counted yet (pending, or just written
    by a bulk load), contribute — nothing is read back from before their write: their cells are added, and each of
    their people and advisors counts once more in the StatPeople cells where none of their counted rows (all but
    these activities and the pending ones) counted them. A batch makes one upsert per cell, whatever its size.

    Valid when the write changed no counted activity's contribution: new people, or followed people whose
    first accompaniment stays where it was (cnum.activities.signals: `creating`)."""
    ids = set(activity_ids)
    if not ids:
        return
    context, tally = context or rollups.ScopeContext(), rollups.Tally()
    rollups.add_contributions(tally, ids, context)
    for distinct in DISTINCTS:
        new = rollups.distinct_keys(distinct, context, activities=ids)
        # Only the cells of the new activities matter: looked for in the narrowest window first, wider for the
        # entities with cells still not found (rollups.windows).
        periods = {period for keys in new.values() for _, _, period, _ in keys}
        wanted = {entity: set(keys) for entity, keys in new.items()}
        for window in rollups.windows(distinct, periods):
            if not wanted:
                break
            rest = rollups.distinct_keys(
                distinct, context, entities=wanted.keys(), excluding=ids, counted_only=True, within=window
            )
            for entity, keys in rest.items():
                wanted[entity] -= keys
                if not wanted[entity]:
                    del wanted[entity]
        for keys in wanted.values():
            for key in keys:
                tally.people[(*key, distinct.column)] += 1
    rollups.apply(tally)
    rollups.bump_versions(tally)  # the cached dashboards of these scopes (cnum.stats.versions)


# --- the drainer thread of a web worker -----------------------------------------------------------------------


class Drainer(threading.Thread):
    """Drains in the background of a web worker: woken by each commit that queued activities, it waits
    `delay` seconds so that the writes of that moment make one batch, then counts what is pending then
    (`drain_snapshot`); the commits of meanwhile wake it for the next step."""

    def __init__(self, delay: float):
        super().__init__(name="cnum-stats-drainer", daemon=True)
        self.delay = delay
        self._woken = threading.Event()

    def wake(self) -> None:
        self._woken.set()

    def run(self) -> None:
        while True:
            try:
                drain_snapshot()  # at start, also what a process that died left
            except Exception:  # the next wake or sweep retries; the rows stay queued
                logger.exception("Le décompte des activités en attente a échoué.")
            close_old_connections()
            self._woken.wait(timeout=SWEEP)
            self._woken.clear()
            time.sleep(self.delay)


_drainer: Drainer | None = None


def start_drainer() -> Drainer:
    """Start this process's drainer thread (gunicorn's `post_fork`); commits then wake it instead of draining."""
    global _drainer
    if _drainer is None or not _drainer.is_alive():
        _drainer = Drainer(settings.CNUM_STATS_DRAIN_DELAY_MS / 1000)
        _drainer.start()
    return _drainer
