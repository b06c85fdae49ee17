"""Benchmark: import a generated 100,000-row cnum-csv file; rows/s and peak RSS to bench/results/.

    .venv/bin/python -m bench.activities_import [--rows 100000]

The file: 60 advisors of 12 structures (a few in a team), dates over 2023–2025, a quarter of workshops, individual
people described or not (`write_file`).

Runs on a throw-away SQLite file unless DATABASE_URL is set. Peak RSS is the process's VmHWM (the whole
process, Django included): it must stay flat when --rows grows, since the import streams.
"""

import argparse
import cProfile
import csv
import datetime
import json
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--profile", type=Path, help="write the cProfile statistics of the import's reading thread (CPU time) here"
    )
    parser.add_argument("--again", action="store_true", help="import the file a second time (nothing may change)")
    parser.add_argument("--verify", action="store_true", help="recount the rollups afterwards (stats_verify)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cnum-bench-activities-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["CNUM_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
    from cnum.core.imports import run_import
    from cnum.sites.models import Site
    from cnum.structures.models import Structure

    call_command("migrate", verbosity=0)
    path = workdir / "activities.csv"
    write_file(path, args.rows, registry(Advisor, Contract, Site, Structure, Team, TeamMembership))
    rss_before = peak_rss_kib()
    # The reading thread's CPU time (the writes run on a thread of their own, which cProfile does not see).
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    start, cpu_start, thread_start = time.perf_counter(), time.process_time(), time.thread_time()
    if profiler:
        profiler.enable()
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    reading_cpu = time.thread_time() - thread_start
    peak = peak_rss_kib()
    extra = {}
    if args.again:
        start = time.perf_counter()
        again = run_import(format_name="cnum-csv", path=path, dry_run=False)
        extra["second_import"] = {"created": again.created, "unchanged": again.unchanged}
        extra["second_import_seconds"] = round(time.perf_counter() - start, 1)
    if args.verify:
        from cnum.stats import verify

        extra["stats_verify_differences"] = len(verify.differences(method="sql"))
    result = {
        "rows": args.rows,
        "created": report.created,
        "rejected": len(report.rejected),
        "seconds": round(elapsed, 1),
        "rows_per_second": round(args.rows / elapsed),
        "cpu_seconds": round(cpu, 1),
        # The thread reading, checking and counting the rows; the rest of the client's CPU is the writing thread's
        # (cnum.core.bulk.background_writes).
        "cpu_seconds_reading_thread": round(reading_cpu, 1),
        "load_average": os.getloadavg()[0],
        "peak_rss_mb_before_import": round(rss_before / 1024),
        "peak_rss_mb": round(peak / 1024),
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
        "engine": connection.vendor,
        **extra,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    output = args.output / f"{datetime.date.today()}-{connection.vendor}-activities-import-{args.rows}.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(workdir)
    return 0


ADVISORS, STRUCTURES, SITES = 60, 12, 24
THEMES = ("email", "sante", "bureautique", "navigation_sur_internet", "aide_aux_demarches_administratives")
COLUMNS = ["id", "date", "type", "duree", "type_lieu", "lieu_id", "thematiques", "conseiller_email"]
COLUMNS += ["genre", "tranche_age", "statut_social", "progression", "participants", "participants_progression"]


def registry(Advisor, Contract, Site, Structure, Team, TeamMembership) -> dict:
    """Structures (half public), advisors (a few in a team), sites: what the rows name. Those of an earlier bench
    in the same database (PostgreSQL: the import, then the web import) are named again, not created twice."""
    emails = [f"bench{n}@exemple.fr" for n in range(ADVISORS)]
    if Advisor.objects.filter(email=emails[0]).exists():
        sites = list(
            Site.objects.filter(name__startswith="Bench ", address="1 rue").order_by("pk").values_list("pk", flat=True)
        )
        return {"advisors": emails, "sites": sites[:SITES]}
    start = datetime.date(2022, 1, 1)
    structures = [
        Structure.objects.create(name=f"Bench {n}", type="commune" if n % 2 else "association")
        for n in range(STRUCTURES)
    ]
    advisors = []
    for n in range(ADVISORS):
        advisor = Advisor.objects.create(first_name="B", last_name=f"Bench {n}", email=f"bench{n}@exemple.fr")
        structure = structures[n % STRUCTURES]
        kind = "public_project" if structure.is_public else "cdd"
        Contract.objects.create(advisor=advisor, structure=structure, kind=kind, start=start)
        advisors.append(advisor)
    # Members of a team of structure 1 (its advisors are those of rank 1, 13, 25…), from 2024 on.
    team = Team.objects.create(name="Bench", structure=structures[1], coordinator=advisors[1])
    for advisor in advisors[1::STRUCTURES]:
        TeamMembership.objects.create(team=team, advisor=advisor, start=datetime.date(2024, 1, 1), status="accepted")
    sites = [
        Site.objects.create(
            name=f"Bench {n}", address="1 rue", postal_code="69001", commune_name="Lyon", updated_on=start
        ).pk
        for n in range(SITES)
    ]
    return {"advisors": [advisor.email for advisor in advisors], "sites": sites}


def write_file(path: Path, rows: int, names: dict, prefix: str = "B") -> None:
    """Rows shaped like a year of a programme's records: dates over 2023–2025, durations, themes, places,
    individual people described or not, workshops of a few people; the same seed gives the same file. Each row's id
    is `prefix` and its number: two benches in one database import rows of their own."""
    rng = random.Random(20)
    first = datetime.date(2023, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            day = first + datetime.timedelta(days=rng.randrange(1_000))
            remote = rng.random() < 0.2
            site = "" if remote else rng.choice(names["sites"])
            themes = "|".join(rng.sample(THEMES, rng.randint(1, 2)))
            row = [f"{prefix}{n}", day.isoformat(), "", rng.choice((15, 30, 45, 60, 90, 120)), "", site, themes]
            row[4] = "a_distance" if remote else "lieu_activite"
            row.append(rng.choice(names["advisors"]))
            if rng.random() < 0.25:
                participants = rng.randint(2, 12)
                row[2] = "collectif"
                row += ["", "", "", "", participants, rng.randint(0, participants)]
            else:
                row[2] = "individuel"
                row += [
                    rng.choice(("femme", "homme", "")),
                    rng.choice(("Moins de 12 ans", "60–69 ans", "25–39 ans", "")),
                ]
                row += [
                    rng.choice(("retraite", "en_emploi", "sans_emploi", "")),
                    rng.choice(("oui", "non", "")),
                    "",
                    "",
                ]
            writer.writerow(row)


def peak_rss_kib() -> int:
    """This process's peak RSS. /proc's VmHWM starts again at exec, unlike getrusage's ru_maxrss, which keeps the
    peak of the process that started this one (python -m bench)."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    raise SystemExit(main())
