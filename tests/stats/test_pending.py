"""New activities are queued with their write and counted just after it (docs/adr/0009-deferred-rollups.md): a
process that dies between the write and the count loses nothing, the queue is replayed, one drain counts at a time,
and a page never shows figures older than the writes it can see.

pytest-django runs each test in a transaction that never commits: the commit's drain does not run, which is what a
process dying just after its commit leaves."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from cnum.activities import services
from cnum.activities.signals import creating
from cnum.stats import engine, pending, rollups
from cnum.stats.models import StatCell, StatPending
from cnum.stats.scopes import Scope, ScopeKind
from tests.activities.factories import ActivityFactory, BeneficiaryFactory
from tests.activities.test_services import data
from tests.advisors.factories import ContractFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db
MONTH = datetime.date(2025, 3, 1)


def anonymous(**changes) -> dict:
    return data(**{"genre": "feminin", "progressed": "oui", **changes})


def counted(advisor) -> int:
    cells = StatCell.objects.filter(scope_kind=ScopeKind.ADVISOR, scope_code=str(advisor.pk), month=MONTH)
    return sum(cells.values_list("activities", flat=True))


def verify_exits_clean() -> None:
    call_command("stats_verify", stdout=io.StringIO(), stderr=io.StringIO())  # raises (exit 1) on any difference


@pytest.fixture
def advisor():
    return ContractFactory().advisor


def test_a_recording_left_undrained_is_counted_by_the_next_drain(advisor):
    activity = services.activity_record(advisor=advisor, data=anonymous(), by=None)
    # The process died after its commit: the activity is queued, not counted.
    assert list(StatPending.objects.values_list("activity", flat=True)) == [activity.pk]
    assert counted(advisor) == 0
    assert pending.drain() == 1
    assert counted(advisor) == 1
    assert not StatPending.objects.exists()
    verify_exits_clean()


@pytest.mark.django_db(transaction=True)  # the real worker command closes its connections between tasks
def test_the_task_worker_counts_what_a_dead_process_left_when_it_starts(advisor, monkeypatch):
    """No web worker runs (no drainer thread, no dashboard read): the task worker's start counts the leftovers."""
    with monkeypatch.context() as dying:
        dying.setattr(pending, "_committed", lambda: None)  # the process died just after its commit
        activity = services.activity_record(advisor=advisor, data=anonymous(), by=None)
    assert StatPending.objects.filter(activity=activity.pk).exists() and counted(advisor) == 0

    call_command("tasks_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0, stdout=io.StringIO())

    assert not StatPending.objects.exists() and counted(advisor) == 1
    verify_exits_clean()


def test_a_drain_that_fails_keeps_the_queue_and_a_later_one_counts_it(advisor, monkeypatch):
    services.activity_record(advisor=advisor, data=anonymous(), by=None)

    def broken(ids, **kwargs):
        rollups.apply(
            rollups.Tally(
                cells={("national", "", MONTH, "individuel", "lieu_activite", "public"): [1] * len(rollups.MEASURES)}
            )
        )
        raise RuntimeError("killed in the middle of the drain")

    monkeypatch.setattr(pending, "apply_created", broken)
    with pytest.raises(RuntimeError):
        pending.drain()
    monkeypatch.undo()
    assert StatPending.objects.count() == 1  # rolled back with what the drain had written
    assert pending.drain() == 1
    verify_exits_clean()


def test_verify_and_the_dashboards_count_what_is_pending_first(advisor):
    services.activity_record(advisor=advisor, data=anonymous(), by=None)
    services.activity_record(advisor=advisor, data=anonymous(type="collectif", anonymous_participants=4), by=None)
    figures = engine.figures(Scope(ScopeKind.ADVISOR, str(advisor.pk)), MONTH, datetime.date(2025, 3, 31))
    assert figures["activities"] == 2 and figures["accompaniments"] == 5
    assert not StatPending.objects.exists()


def test_pending_activities_changed_or_deleted_before_their_drain(advisor):
    followed = BeneficiaryFactory(advisor=advisor, followed=True)
    ActivityFactory(advisor=advisor, date=datetime.date(2025, 3, 20), accompaniment__beneficiary=followed)
    edited = services.activity_record(advisor=advisor, data=anonymous(), by=None)
    deleted = services.activity_record(advisor=advisor, data=anonymous(), by=None)
    kept = services.activity_record(advisor=advisor, data=anonymous(date=datetime.date(2025, 4, 2)), by=None)
    # Counted changes around the queued ones: an edit, a deletion, a followed person's earlier activity.
    services.activity_update(activity=edited, data=anonymous(date=datetime.date(2025, 5, 2)), by=None)
    services.activity_delete(activity=deleted)
    services.activity_record(
        advisor=advisor, data=anonymous(beneficiary=followed, date=datetime.date(2025, 3, 1)), by=None
    )
    assert StatPending.objects.filter(activity=kept.pk).exists()
    verify_exits_clean()


def test_a_creating_change_refuses_to_touch_existing_rows(advisor):
    existing = ActivityFactory(advisor=advisor)
    with pytest.raises(RuntimeError), creating():
        existing.save()


def test_the_recording_of_a_new_person_reads_nothing_before_its_write(advisor, django_assert_max_num_queries):
    data = anonymous()
    services.activity_record(advisor=advisor, data=data, by=None)  # the tags' and contract's caches warm
    # The contract, the activity, the person, the accompaniment, the queue and the audit log (2 rows), in a
    # savepoint: no snapshot of the rollups (which reads a dozen tables) before or after the write, no tag read
    # when there is none to attach (issue #20).
    with django_assert_max_num_queries(9):
        services.activity_record(advisor=advisor, data=data, by=None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)  # its flush re-creates the content types and permissions (post_migrate)
def test_one_drain_at_a_time_and_none_counts_twice(advisor, monkeypatch):
    monkeypatch.setattr(pending, "_committed", lambda: None)  # the process dies after each commit
    for _ in range(2):
        services.activity_record(advisor=advisor, data=anonymous(), by=None)
    assert counted(advisor) == 0
    held, release, results = threading.Event(), threading.Event(), []

    def other_drain():
        try:
            with transaction.atomic():
                rollups.lock_drains()
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_drain)
    thread.start()
    held.wait(10)
    results.append(pending.drain())  # the lock is taken: returns at once, counting nothing
    release.set()
    thread.join()
    results.append(pending.drain())
    assert results == [0, 2]
    assert counted(advisor) == 2
    verify_exits_clean()


@pytest.mark.django_db(transaction=True)  # drains of committed rows only keep the scopes (not inside a transaction)
def test_the_drains_keep_the_scopes_until_the_registry_changes(advisor, django_assert_num_queries, monkeypatch):
    """A drain reads the structures' scopes and the teams once; a later one reads only the registry's version, and
    reads them again once a structure changed (here it moves to another département): nothing counted in the old
    one (issue #20, cnum.stats.pending._scope_context). Inside an outer transaction, whose registry writes may roll
    back, a drain keeps nothing."""
    monkeypatch.setattr(pending, "_committed", lambda: None)  # the drains below, not at each commit
    services.activity_record(advisor=advisor, data=anonymous(), by=None)
    pending.drain()
    services.activity_record(advisor=advisor, data=anonymous(), by=None)
    # The scopes kept: no hub, network, structure or team read (PostgreSQL takes the drains' lock too); the advisor
    # found in the new activity's month (rollups.windows), the people in one read of their rows.
    with django_assert_num_queries(15 + (connection.vendor == "postgresql")) as kept:
        pending.drain()
    assert not [q for q in kept.captured_queries if "structures_" in q["sql"] or "teammembership" in q["sql"]]
    structure = advisor.contracts.get().structure
    structure.commune = CommuneFactory(code="13055", name="Marseille", departement__code="13")
    structure.save()
    services.activity_record(advisor=advisor, data=anonymous(), by=None)
    pending.drain()
    assert StatCell.objects.filter(scope_kind=ScopeKind.DEPARTEMENT, scope_code="13", month=MONTH).exists()
    verify_exits_clean()
    with transaction.atomic():
        services.activity_record(advisor=advisor, data=anonymous(), by=None)
        with django_assert_num_queries(20 + (connection.vendor == "postgresql")):  # nested: the scopes read again
            pending.drain()


def test_a_drain_counts_an_advisor_again_only_in_the_cells_new_to_them_across_years_and_teams(advisor):
    """A drain reads an advisor's earlier rows in the new activities' months, then years, then all time from one row
    per type and structure, each only while some of their cells are not found (rollups.windows): an advisor counted
    in 2025, in a team, is counted in 2026's cells once and not again in all time's, whatever the order of the years
    recorded."""
    from tests.advisors.factories import TeamMembershipFactory

    TeamMembershipFactory(advisor=advisor, team__structure=advisor.contracts.get().structure)
    for day, kind in (
        (datetime.date(2025, 6, 3), "individuel"),
        (datetime.date(2026, 3, 10), "individuel"),
        (datetime.date(2026, 3, 12), "individuel"),
        (datetime.date(2024, 11, 20), "individuel"),
        (datetime.date(2026, 2, 2), "individuel"),  # a new month, its quarter and year found in the year's rows
        (datetime.date(2026, 9, 1), "collectif"),
        (datetime.date(2026, 9, 15), "individuel"),  # the month found for all types, not for this one
    ):
        changes = {"type": kind, "anonymous_participants": 4} if kind == "collectif" else {}
        services.activity_record(advisor=advisor, data=anonymous(date=day, **changes), by=None)
        pending.drain()
        verify_exits_clean()


def recorded_during_the_next_batch(advisor, monkeypatch) -> list:
    """Another worker's recording, committed while the next drain's batch is counted: the list holds it then."""
    apply_created, later = pending.apply_created, []

    def written_meanwhile(ids, **kwargs):
        apply_created(ids, **kwargs)
        if not later:
            later.append(services.activity_record(advisor=advisor, data=anonymous(), by=None))

    monkeypatch.setattr(pending, "apply_created", written_meanwhile)
    return later


def test_the_drainer_counts_what_is_pending_when_it_starts_and_leaves_the_later_writes_to_its_next_step(
    advisor, monkeypatch
):
    """The drainer thread's step (`drain_snapshot`) counts the queue as it finds it, batch after batch while they
    come full, and stops there: an activity committed during its batch waits for the next step, a delay later, so
    that under a steady load a batch gathers a delay's worth of writes (issue #20). `drain` goes on until the queue
    is empty (a dashboard's read, a command)."""
    recorded = [services.activity_record(advisor=advisor, data=anonymous(), by=None) for _ in range(5)]
    later = recorded_during_the_next_batch(advisor, monkeypatch)
    assert pending.drain_snapshot(batch=10) == len(recorded)
    assert list(StatPending.objects.values_list("activity", flat=True)) == [later[0].pk]
    assert counted(advisor) == 5
    assert pending.drain_snapshot(batch=10) == 1  # the next step
    assert counted(advisor) == 6
    verify_exits_clean()


def test_the_drainer_goes_on_through_a_backlog(advisor):
    """Full batches mean more was waiting than a batch takes (rows a dead process left, a burst): counted at once."""
    for _ in range(5):
        services.activity_record(advisor=advisor, data=anonymous(), by=None)
    assert pending.drain_snapshot(batch=2) == 5  # 2, 2 (full: go on), 1 (the queue as found: stop)
    assert not StatPending.objects.exists()
    assert counted(advisor) == 5


def test_a_drain_goes_on_until_the_queue_is_empty(advisor, monkeypatch):
    services.activity_record(advisor=advisor, data=anonymous(), by=None)
    recorded_during_the_next_batch(advisor, monkeypatch)
    assert pending.drain() == 2
    assert not StatPending.objects.exists()
