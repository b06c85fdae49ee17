"""Work that runs by itself at a set hour (the nightly open data), without cron.

An app declares its daily work with `daily(...)`; the worker (`manage.py tasks_worker`) calls `enqueue_due` every
minute, and `manage.py tasks_schedule` does it once, for a deployment that prefers cron. A job enqueued for a day
carries the key "<kind>:<date>", unique in the database: however many schedulers run, the work is queued once a day.
"""

from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from cnum.core import jobs
from cnum.core.models import Job


@dataclass(frozen=True)
class Daily:
    kind: str
    label: str
    hour: int  # local time, 0-23


_daily: dict[str, Daily] = {}


def daily(*, kind: str, label: str, hour: int | None) -> None:
    """Run `kind` once a day from `hour` (local time) on; None switches it off."""
    if hour is None:
        _daily.pop(kind, None)
    else:
        _daily[kind] = Daily(kind=kind, label=label, hour=hour)


def entries() -> list[Daily]:
    return list(_daily.values())


def enqueue_due(now=None) -> list[Job]:
    """Queue each daily work whose hour has come today and that has not been queued today; the jobs queued."""
    now = timezone.localtime(now)
    queued = []
    for entry in _daily.values():
        key = f"{entry.kind}:{now.date().isoformat()}"
        if now.hour < entry.hour or Job.objects.filter(schedule_key=key).exists():
            continue
        try:
            queued.append(jobs.start(kind=entry.kind, label=f"{entry.label} du {now:%d/%m/%Y}", schedule_key=key))
        except IntegrityError:  # another scheduler queued it in between
            continue
    return queued
