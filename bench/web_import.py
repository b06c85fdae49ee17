"""Benchmark: a 100,000-row web import as a background task, its worker killed part-way and started again.

    .venv/bin/python -m bench.web_import [--rows 100000] [--kill-at 0.4]

gunicorn serves cnum (bench/server.py) and a real `manage.py tasks_worker` runs beside it. A programme-team user
signs in over HTTP, uploads the cnum-csv file (bench/activities_import.py's) on the import page, confirms it, and
polls the task's progress URL as its page does (HTMX, every 2 s), recording what the bar says. Once the bar has
passed `--kill-at` of the rows, the worker is killed (SIGKILL) and another one started; the polling goes on until the
progress URL sends the browser to the task's page, which must show the import's report.

Checks: the bar rose within each run, the count of activities did not move when the worker died, it grew by exactly
the file's rows at the end, the job is done at its second attempt, its page shows the report, `stats_verify` finds
no difference. Reports the wall time (confirmation → report), the second run's rows/s, the restart, and how long a
poll and another signed-in page took while the import ran.
Results: bench/results/<date>-<engine>-web-import-<rows>.json.

Runs on a throw-away SQLite file unless DATABASE_URL is set (the database must then be empty or a bench's own).
"""

import argparse
import datetime
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
#: Seconds between two polls, as the task's page (cnum.core.views_jobs.POLL_EVERY).
POLL_EVERY = 2
#: Longest the import may take before the bench gives up (it stops by itself).
PATIENCE = 1800


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of the rows after which the worker dies")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cnum-bench-web-import-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["CNUM_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.update(
        DEBUG="0",
        CNUM_OTP_REQUIRED="0",  # the programme-team user signs in without the second factor
        CNUM_VAR_DIR=str(workdir / "var"),  # the uploads and progress files gunicorn and the worker share
    )
    import django

    django.setup()
    result = run(rows=args.rows, kill_at=args.kill_at, workdir=workdir)
    from django.db import connection

    args.output.mkdir(parents=True, exist_ok=True)
    output = args.output / f"{datetime.date.today()}-{connection.vendor}-web-import-{args.rows}.json"
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    shutil.rmtree(workdir)
    return 0 if result["checks_passed"] else 1


def run(*, rows: int, kill_at: float, workdir: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from bench.activities_import import registry, write_file
    from bench.recording import PASSWORD, login
    from bench.server import gunicorn, user_with_role
    from cnum.accounts.enums import Role
    from cnum.activities.models import Activity
    from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
    from cnum.sites.models import Site
    from cnum.structures.models import Structure

    call_command("migrate", verbosity=0)
    (workdir / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise serves the apps' files
    path = workdir / "activites.csv"
    write_file(path, rows, registry(Advisor, Contract, Site, Structure, Team, TeamMembership), prefix="W")
    email = "bench-import@exemple.fr"
    user_with_role(email, Role.PROGRAMME_TEAM, password=PASSWORD)
    before = Activity.objects.count()
    log = workdir / "worker.log"
    with gunicorn(workers=2) as base:
        session = login(base, email)
        started = time.perf_counter()
        job_url, upload_s = upload(base, session, path)
        job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
        connection.close()  # the worker and gunicorn write; this process only reads, in short transactions
        first = worker(log)
        try:
            first_run = follow(base, session, job_url, until=lambda reading: reading["n"] >= kill_at * rows)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=60)
        killed_at = time.perf_counter()
        after_kill = Activity.objects.count() - before
        connection.close()
        second = worker(log)
        try:
            second_started = time.perf_counter()
            wait_for_second_attempt(job_id, second)
            second_run = follow(base, session, job_url, until=None, probe=f"{base}/taches/")
            done_at = time.perf_counter()
            report_page = session.get(f"{base}{second_run['redirect']}", timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)  # it ends after its running task: none is left
            second.wait(timeout=120)
    return outcome(
        rows=rows,
        job_id=job_id,
        imported=Activity.objects.count() - before,
        after_kill=after_kill,
        report_page=report_page,
        runs=(first_run, second_run),
        times={
            "upload_and_analysis_s": upload_s,
            "first_run_until_kill_s": round(killed_at - started - upload_s, 1),
            "second_run_s": round(done_at - second_started, 1),
            "wall_s": round(done_at - started, 1),
        },
    )


def upload(base: str, session, path: Path) -> tuple[str, float]:
    """The import page: the file posted (analysed in the request), then confirmed; the task's URL and the seconds
    the analysis took."""
    start = time.perf_counter()
    session.get(f"{base}/imports/", timeout=60)
    with path.open("rb") as handle:
        response = session.post(
            f"{base}/imports/",
            data={"format": "cnum-csv", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            files={"file": (path.name, handle, "text/csv")},
            timeout=PATIENCE,
        )
    token = re.search(r'name="token" value="([0-9a-f]+)"', response.text)
    if response.status_code != 200 or token is None:
        raise RuntimeError(f"the analysis answered {response.status_code} without a token to confirm")
    analysed = time.perf_counter() - start
    response = session.post(
        f"{base}/imports/confirmer/",
        data={"token": token.group(1), "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302 or "/taches/" not in response.headers["Location"]:
        raise RuntimeError(f"the confirmation answered {response.status_code}, not the task's page")
    return response.headers["Location"], round(analysed, 1)


def worker(log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "tasks_worker", "--no-schedule"], cwd=ROOT, stdout=output, stderr=output
        )


def wait_for_second_attempt(job_id: int, process: subprocess.Popen) -> None:
    """Until the new worker has put the job back in the queue and started it again: before, the progress URL still
    shows the dead worker's last count."""
    from django.db import connection

    from cnum.core.models import Job

    deadline = time.monotonic() + PATIENCE
    while Job.objects.get(pk=job_id).attempts < 2:
        connection.close()
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the second worker did not take the job again")
        time.sleep(0.2)


def follow(base: str, session, job_url: str, *, until, probe: str | None = None) -> dict:
    """Poll the progress URL every POLL_EVERY seconds until `until(reading)` holds or the task has ended (HTMX's
    redirect); every reading, the slowest poll and, with `probe`, how long that other page took, asked once (in a
    thread, beside the polls) when the bar first shows rows done."""
    readings, polls, probes = [], [], []
    deadline = time.monotonic() + PATIENCE
    start = time.perf_counter()
    while time.monotonic() < deadline:
        asked = time.perf_counter()
        response = session.get(f"{base}{job_url}progression/", headers={"HX-Request": "true"}, timeout=PATIENCE)
        polls.append(time.perf_counter() - asked)
        if response.status_code == 204:
            return _run(readings, polls, probes, redirect=response.headers["HX-Redirect"])
        reading = parse(response.text)
        if reading is not None:
            readings.append({"t_s": round(asked - start, 1), **reading})
            if until is not None and until(reading):
                return _run(readings, polls, probes)
            if probe is not None and reading["n"] and not probes:
                probes.append(threading.Thread(target=_timed_get, args=(session, probe, probes), daemon=True))
                probes[0].start()
        time.sleep(POLL_EVERY)
    raise RuntimeError("the import did not end in time")


def _timed_get(session, url: str, into: list) -> None:
    asked = time.perf_counter()
    session.get(url, timeout=PATIENCE)
    into.append(time.perf_counter() - asked)


def _run(readings, polls, probes, redirect: str | None = None) -> dict:
    run = {"readings": readings, "slowest_poll_ms": round(max(polls) * 1000)}
    if probes:
        probes[0].join(timeout=PATIENCE)
        run["other_page_during_import_ms"] = round(probes[1] * 1000) if len(probes) > 1 else None
    if redirect:
        run["redirect"] = redirect
    return run


def parse(html: str) -> dict | None:
    """What the bar says: its percentage (aria-valuenow) and "n sur total lignes"."""
    percent = re.search(r'aria-valuenow="(\d+)"', html)
    counts = re.search(r"([\d\s\xa0\u202f]+) sur ([\d\s\xa0\u202f]+) lignes", html)
    if percent is None or counts is None:
        return None
    number = [int(re.sub(r"\D", "", group)) for group in counts.groups()]
    return {"percent": int(percent.group(1)), "n": number[0], "total": number[1]}


def outcome(*, rows, job_id, imported, after_kill, report_page, runs, times) -> dict:
    from django.core.management import call_command

    from cnum.core.enums import JobStatus
    from cnum.core.models import Job

    job = Job.objects.get(pk=job_id)
    try:
        call_command("stats_verify", stdout=io.StringIO(), stderr=io.StringIO())
        verify_clean = True
    except SystemExit:
        verify_clean = False
    message = job.result.get("message", "")
    checks = {
        "progress_rose_in_each_run": all(_rises(run["readings"]) and run["readings"] for run in runs),
        "nothing_left_by_the_killed_worker": after_kill == 0,
        "rows_imported_exactly_once": imported == rows,
        "job_done_at_second_attempt": (job.status, job.attempts) == (JobStatus.DONE, 2),
        "report_page_reached": report_page.status_code == 200 and message and message in report_page.text,
        "stats_verify_clean": verify_clean,
    }
    # The second attempt's own duration, from the job's timestamps (the polls see its end 2 s late at most).
    import_s = (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else None
    return {
        "rows": rows,
        "engine": _engine(),
        "load_average_1_5_15": [round(load, 2) for load in os.getloadavg()],  # at the end: a shared machine or not
        **times,
        "second_attempt_import_s": round(import_s, 1) if import_s else None,
        "rows_per_second": round(rows / import_s) if import_s else None,
        "restart": {
            "killed_at_rows": runs[0]["readings"][-1]["n"] if runs[0]["readings"] else None,
            "activities_after_kill": after_kill,
            "attempts": job.attempts,
        },
        "progress": {"first_run": runs[0], "second_run": {k: v for k, v in runs[1].items() if k != "redirect"}},
        "report_message": message,
        "checks": checks,
        "checks_passed": all(checks.values()),
    }


def _rises(readings: list[dict]) -> bool:
    values = [reading["n"] for reading in readings]
    return values == sorted(values) and (len(values) < 2 or values[-1] > values[0])


def _engine() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    raise SystemExit(main())
