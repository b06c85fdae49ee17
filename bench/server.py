"""Shared pieces of the HTTP measures: gunicorn on a free port of 127.0.0.1, quantiles, users with a role."""

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served(str):
    """The base URL of a gunicorn started here, with its master's process id (`cpu_seconds`)."""

    pid: int


@contextlib.contextmanager
def gunicorn(workers: int = 2, threads: int = 1) -> Iterator[Served]:
    """gunicorn serving cnum on 127.0.0.1 with this process's environment (same database, DEBUG off) and cnum's
    gunicorn settings (config/gunicorn.conf.py: the statistics' drainer thread); yields its base URL. Stopped (the
    process it started, by id) when the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--config", "config/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    command += ["--workers", str(workers), "--threads", str(threads), "--timeout", "120", "--log-level", "warning"]
    # Served as in production and `make run`: DEBUG off (config.settings.dev reads DEBUG=0), else Django's debug cursor
    # formats and keeps every statement (≈ 10 % of a recording's CPU: issue #20).
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DEBUG": "0"})
    base = Served(f"http://127.0.0.1:{port}")
    base.pid = process.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/connexion/", timeout=30)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the process `pid` and its live children (gunicorn's workers), from
    /proc: what the server spent, apart from the clients' own CPU on a shared machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def backend_cpu_seconds(connection) -> float | None:
    """The CPU seconds used so far by the PostgreSQL process serving `connection`, read from /proc when the server
    runs on this machine (None on SQLite, or for a server elsewhere). A file is imported in one transaction, which
    PostgreSQL runs in that one process: its CPU time bounds the import's speed whatever the client does."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_database()")
        pid, database = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if not command.startswith("postgres: ") or f" {database} " not in command:  # another machine's process number
        return None
    return cpu_seconds(pid)


def machine_ticks() -> tuple[int, int, int]:
    """The whole machine's CPU ticks so far, from /proc/stat: (busy, stolen, total). Busy counts every process (the
    server, the database, the clients); stolen is what the host gave other machines while this one wanted to run —
    on a shared host, the part of a slow measure that is not the code's."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal, sum(fields[:8])


def python_speed(additions: int = 5_000_000) -> float:
    """Seconds of CPU a fixed pure-Python loop takes, the best of three: this machine's speed at the time of a run,
    so that reports taken on different machines, or in a shared host's slower hours, can be compared (the recording
    of 2026-12-03 evening ran 30–50 % slower than the morning's on the same code: docs/performance.md)."""
    best = float("inf")
    for _ in range(3):
        start, total = time.process_time(), 0
        for number in range(additions):
            total += number
        best = min(best, time.process_time() - start)
    return round(best, 3)


def quantiles_ms(timings_s: list[float]) -> dict:
    """p50 and p95 in milliseconds (inclusive method: both within the measured range, p50 ≤ p95)."""
    values = [t * 1000 for t in timings_s]
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    return {"runs": len(values), "p50_ms": round(statistics.median(values), 2), "p95_ms": round(p95, 2)}


def user_with_role(email: str, role: str, *, scope=None, password: str | None = None):
    """A user acting in `role` (scope object or None), created if missing."""
    from cnum.accounts.models import RoleAssignment, User

    user, _ = User.objects.get_or_create(email=email, defaults={"first_name": "Bench", "last_name": "Mesure"})
    if password:
        user.set_password(password)
        user.save()
    assignment = RoleAssignment(user=user, role=role, scope_id=str(scope.pk) if scope is not None else "")
    assignment.full_clean(validate_constraints=False)
    RoleAssignment.objects.get_or_create(
        user=user, role=role, scope_type=assignment.scope_type, scope_id=assignment.scope_id
    )
    return user
