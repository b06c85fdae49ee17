"""Benchmark: import a generated 100,000-row cnum-csv file; rows/s and peak RSS to bench/results/.

    .venv/bin/python -m bench.activities_import [--rows 100000]

Runs on a throw-away SQLite file unless DATABASE_URL is set. Peak RSS is the process's VmHWM (the whole
process, Django included): it must stay flat when --rows grows, since the import streams.
"""

import argparse
import cProfile
import csv
import datetime
import json
import os
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
    parser.add_argument("--profile", type=Path, help="write the import's cProfile statistics to this file")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cnum-bench-activities-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["CNUM_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from cnum.advisors.models import Advisor, Contract
    from cnum.core.imports import run_import
    from cnum.sites.models import Site
    from cnum.structures.models import Structure

    call_command("migrate", verbosity=0)
    structure = Structure.objects.create(name="Bench", type="commune")
    advisor = Advisor.objects.create(first_name="B", last_name="Bench", email="bench@exemple.fr")
    Contract.objects.create(advisor=advisor, structure=structure, kind="cdd", start=datetime.date(2024, 1, 1))
    site = Site.objects.create(
        name="Bench", address="1 rue", postal_code="69001", commune_name="Lyon", updated_on=datetime.date(2024, 1, 1)
    )
    path = workdir / "activities.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "type", "duree", "type_lieu", "lieu_id", "thematiques", "participants"])
        for n in range(args.rows):
            collective = n % 3 == 0
            kind, participants = ("collectif", 6) if collective else ("individuel", "")
            writer.writerow([f"B{n}", "2025-03-15", kind, 45, "lieu_activite", site.pk, "email|sante", participants])
    rss_before = peak_rss_kib()
    profiler = cProfile.Profile() if args.profile else None
    start, cpu_start = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = run_import(format_name="cnum-csv", path=path, dry_run=False, advisor_email="bench@exemple.fr")
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = peak_rss_kib()
    result = {
        "rows": args.rows,
        "created": report.created,
        "rejected": len(report.rejected),
        "seconds": round(elapsed, 1),
        "rows_per_second": round(args.rows / elapsed),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb_before_import": round(rss_before / 1024),
        "peak_rss_mb": round(peak / 1024),
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
    }
    args.output.mkdir(parents=True, exist_ok=True)
    output = args.output / f"{datetime.date.today()}-activities-import-{args.rows}.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(workdir)
    return 0


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
