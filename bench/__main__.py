"""`make bench`: measure cnum on the configured engine and write bench/results/<date>-<engine>-<scale>.{json,md}.

    python -m bench [--scale smoke|quick|national] [--output DIR]

SQLite runs in a throw-away file; set DATABASE_URL to measure PostgreSQL (the database is migrated and loaded).
Scales: smoke (a tiny dataset, the harness only, < 1 min), quick (100,000 activities, a few minutes), national
(4.5 million activities, issue #7). See docs/performance.md.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ACTIVITIES = {"smoke": 2_000, "quick": 100_000, "national": 4_500_000}
RUNS = {"smoke": 3, "quick": 20, "national": 20}
#: The naive path takes minutes a run at national scale (live COUNT DISTINCT over 4 million accompaniments).
NAIVE_RUNS = {"smoke": 1, "quick": 3, "national": 1}
POSTS_PER_CLIENT = {"smoke": 1, "quick": 5, "national": 40}
#: Concurrent clients of the recording measure; the smoke only checks the harness, with fewer sign-ins.
LEVELS = {"smoke": (1, 2, 4), "quick": (1, 8, 32), "national": (1, 8, 32)}
#: How long the most clients post at the target's rate (bench.recording: the paced level).
PACED_SECONDS = {"smoke": 0.2, "quick": 10, "national": 10}
IMPORT_ROWS = {"smoke": 300, "quick": 20_000, "national": 1_000_000}
#: The web import's file (bench/web_import.py: gunicorn, a real task worker killed part-way); none at smoke scale.
WEB_IMPORT_ROWS = {"smoke": 0, "quick": 100_000, "national": 100_000}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "quick"), choices=list(ACTIVITIES))
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--activities", type=int, help="Activities of the dataset (default: the scale's).")
    parser.add_argument(
        "--resume",
        type=Path,
        help="Reprendre un relevé partiel (<…>.partial.json) sur la même base : seules les mesures absentes sont "
        "prises. SQLite : indiquer aussi --sqlite-file.",
    )
    parser.add_argument(
        "--parts",
        help="Mesures à prendre, séparées par des virgules (par défaut toutes) : "
        "dataset, dashboards, public, naive, columnar, recording, import, webimport. Les autres sont « non "
        "mesurées ».",
    )
    parser.add_argument("--sqlite-file", type=Path, help="Fichier SQLite à mesurer (conservé), au lieu d'un jetable.")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cnum-bench-"))
    if not os.environ.get("DATABASE_URL"):
        if args.resume and not args.sqlite_file:
            parser.error("--resume sur SQLite demande --sqlite-file (la base du relevé partiel).")
        os.environ["CNUM_SQLITE_PATH"] = str(args.sqlite_file or workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "0"
    # The dashboards are measured, not the second factor: the programme-team user signs in without it.
    os.environ["CNUM_OTP_REQUIRED"] = "0"
    # Throughput is measured, not the throttling: every client comes from 127.0.0.1.
    os.environ["CNUM_API_RATE_PER_IP"] = os.environ["CNUM_API_RATE_PER_TOKEN"] = "100000/min"
    import django

    django.setup()
    write(
        measure(
            args.scale,
            workdir,
            activities=args.activities,
            partial=lambda r: write_partial(r, args.output),
            resumed=json.loads(args.resume.read_text()) if args.resume else None,
            parts=set(args.parts.split(",")) if args.parts else None,
        ),
        args.output,
    )
    shutil.rmtree(workdir)  # the throw-away database, the Parquet export and the import's file
    return 0


def measure(
    scale: str,
    workdir: Path,
    *,
    activities: int | None = None,
    partial=None,
    resumed: dict | None = None,
    parts: set[str] | None = None,
) -> dict:
    """Every measure of the scale (or those named in `parts`; the dataset is always built); `partial(report)` after
    each one, so that a long run interrupted late still leaves the measures taken (the missing ones show as not
    measured)."""
    import django

    from bench import columnar, dashboards, naive, public_pages, recording, targets, territories
    from bench.server import python_speed

    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "engine": territories.connection.vendor,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "python_loop_seconds": python_speed(),
        },
        "versions": {"django": django.get_version(), "database": territories.database_version()},
    }
    if resumed is not None and "results" in resumed:
        report["results"] = resumed["results"]
    else:
        report["results"] = territories.run(scale=scale) if scale != "smoke" else []
    # The recording's latency at the target's rate of this engine, besides the closed loops' capacity.
    paced = {"paced": targets.RECORDING_PER_SECOND.get(report["engine"], 100), "paced_seconds": PACED_SECONDS[scale]}
    steps = [
        ("dataset", lambda: dataset(activities or ACTIVITIES[scale])),
        ("dashboards", lambda: dashboards.run(runs=RUNS[scale])),
        ("public", lambda: public_pages.run(runs=RUNS[scale])),
        ("naive", lambda: naive.run(scopes=scopes(report), runs=NAIVE_RUNS[scale])),
        ("columnar", lambda: columnar.run(scopes=scopes(report), runs=RUNS[scale], workdir=workdir)),
        ("recording", lambda: recording.run(per_client=POSTS_PER_CLIENT[scale], levels=LEVELS[scale], **paced)),
        ("import", lambda: activities_import(int(os.environ.get("BENCH_IMPORT_ROWS", IMPORT_ROWS[scale])), workdir)),
    ]
    if WEB_IMPORT_ROWS[scale]:
        steps.append(("webimport", lambda: web_import(WEB_IMPORT_ROWS[scale], workdir)))
    if resumed is not None:  # the measures already taken on this database, kept with their date
        report.update({name: resumed[name] for name, _ in steps if name in resumed})
        report["resumed_from"] = resumed["date"]
    unknown = (parts or set()) - {name for name, _ in steps}
    if unknown:
        raise SystemExit(f"Mesures inconnues : {', '.join(sorted(unknown))}.")
    for name, step in steps:
        if name in report or (parts is not None and name != "dataset" and name not in parts):
            continue
        report[name] = step()
        if partial is not None and scale != "smoke":
            partial(report)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["targets"] = targets.evaluate(report)
    return report


def scopes(report: dict) -> dict[str, str]:
    return {row["scope"]: row["code"] for row in report["dashboards"]}


def dataset(activities: int) -> dict:
    """The national-shaped demo at `activities` activities: generation and rollup rebuild timed apart."""
    from django.core.management import call_command
    from django.db import transaction

    from bench.territories import database_bytes
    from cnum.demo import national
    from cnum.stats import rollups_sql

    if not territories_loaded():
        call_command("migrate", verbosity=0)
        call_command("load_territories", verbosity=0)
    call_command("load_hubs", verbosity=0)
    before = database_bytes()
    start = time.perf_counter()
    with transaction.atomic():
        rows = national.national_create(seed=2025, activities=activities)
    generated = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    tables = rollups_sql.rebuild()
    rebuilt = time.perf_counter() - start
    size = database_bytes() - before  # the dataset and its rollups, not the territories
    count = rows.get("activities_activity", 0)
    return {
        "rows": rows | tables,
        "generation_s": round(generated, 1),
        "generation_peak_rss_mb": round(rss),
        "rebuild_s": round(rebuilt, 1),
        "dataset_bytes": size,
        "bytes_per_million_activities": round(size / count * 1_000_000) if count else None,
    }


def territories_loaded() -> bool:
    from django.db import connection

    if "territories_commune" not in connection.introspection.table_names():
        return False
    from cnum.territories.models import Commune

    return Commune.objects.exists()


def activities_import(rows: int, workdir: Path) -> dict:
    """bench.activities_import in its own process and database (its peak memory is the import's own)."""
    output = workdir / "import"
    environment = {key: value for key, value in os.environ.items() if key != "CNUM_SQLITE_PATH"}
    command = [sys.executable, "-m", "bench.activities_import", "--rows", str(rows), "--output", str(output)]
    subprocess.run(command, check=True, env=environment, cwd=RESULTS.parent.parent, capture_output=True)
    return json.loads(next(output.glob("*.json")).read_text())


def web_import(rows: int, workdir: Path) -> dict:
    """bench.web_import in its own process (SQLite: its own database; PostgreSQL: this one, its counts taken before
    and after), with its own gunicorn and task worker."""
    output = workdir / "webimport"
    environment = {key: value for key, value in os.environ.items() if key != "CNUM_SQLITE_PATH"}
    command = [sys.executable, "-m", "bench.web_import", "--rows", str(rows), "--output", str(output)]
    subprocess.run(command, env=environment, cwd=RESULTS.parent.parent, capture_output=True)  # checks: in its JSON
    return json.loads(next(output.glob("*.json")).read_text())


def write_partial(report: dict, output: Path) -> None:
    """The measures taken so far, as JSON (<stem>.partial.json, removed once the report is complete)."""
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{report['date'][:10]}-{report['engine']}-{report['scale']}.partial.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")


def write(report: dict, output: Path) -> Path:
    from bench import markdown

    output.mkdir(parents=True, exist_ok=True)
    stem = f"{report['date'][:10]}-{report['engine']}-{report['scale']}"
    (output / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    (output / f"{stem}.partial.json").unlink(missing_ok=True)
    text = markdown.render(report)
    (output / f"{stem}.md").write_text(text)
    print(text)
    return output / f"{stem}.md"


if __name__ == "__main__":
    sys.exit(main())
