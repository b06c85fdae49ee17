"""Benchmark: import a generated 100,000-row file; rows/s and peak RSS to bench/results/.

    .venv/bin/python -m bench.activities_import [--rows 100000] [--format cnum-csv|xlsx|cnfs-v1-csv]

cnum-csv and xlsx (the same rows in a workbook, `write_workbook`): 60 advisors of 12 structures (a few in a team),
dates over 2023–2025, a quarter of workshops, individual people described or not (`write_file`). cnfs-v1-csv: an
export of the first national platform shaped like the programme's history (`write_v1_file`): V1_STRUCTURES
employers, each with its placeholder advisor, activities over 2021–2024 in communes of the COG (loaded first).

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
    parser.add_argument("--format", default="cnum-csv", choices=FORMATS)
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

    from bench.server import backend_cpu_seconds
    from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
    from cnum.core.imports import run_import
    from cnum.sites.models import Site
    from cnum.structures.models import Structure

    call_command("migrate", verbosity=0)
    path = workdir / FORMATS[args.format]
    if args.format == "cnfs-v1-csv":
        from cnum.territories.models import PostalCode

        call_command("load_territories", "--if-empty", verbosity=0)
        communes = PostalCode.objects.order_by("pk").values_list("commune__code", "code")
        write_v1_file(path, args.rows, list(communes))
    else:
        csv_path = workdir / FORMATS["cnum-csv"]
        write_file(csv_path, args.rows, registry(Advisor, Contract, Site, Structure, Team, TeamMembership))
        if args.format == "xlsx":
            write_workbook(csv_path, path)
            csv_path.unlink()
    rss_before = peak_rss_kib()
    server_start = backend_cpu_seconds(connection)
    # The reading thread's CPU time (the writes run on a thread of their own, which cProfile does not see).
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    start, cpu_start, thread_start = time.perf_counter(), time.process_time(), time.thread_time()
    if profiler:
        profiler.enable()
    report = run_import(format_name=args.format, path=path, dry_run=False)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    reading_cpu = time.thread_time() - thread_start
    peak = peak_rss_kib()
    extra = server_ceiling(args.rows, server_start, backend_cpu_seconds(connection))
    if args.again:
        start = time.perf_counter()
        again = run_import(format_name=args.format, path=path, dry_run=False)
        extra["second_import"] = {"created": again.created, "unchanged": again.unchanged}
        extra["second_import_seconds"] = round(time.perf_counter() - start, 1)
    if args.verify:
        from cnum.stats import verify

        extra["stats_verify_differences"] = len(verify.differences(method="sql"))
    result = {
        "format": args.format,
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
    named = "" if args.format == "cnum-csv" else f"{args.format}-"
    output = args.output / f"{datetime.date.today()}-{connection.vendor}-activities-import-{named}{args.rows}.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(workdir)
    return 0


#: Each format's file name (its suffix tells the readers apart).
FORMATS = {"cnum-csv": "activities.csv", "xlsx": "activities.xlsx", "cnfs-v1-csv": "v1.csv"}
ADVISORS, STRUCTURES, SITES = 60, 12, 24
#: The employers of a v1 export: the programme's (docs/glossary.md: about 2,900 structures).
V1_STRUCTURES = 2_900
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


def write_workbook(source: Path, path: Path) -> None:
    """The rows of the CSV file `source` in the first sheet of a workbook (openpyxl's streaming writer)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("activites")
    with open(source, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(path)


V1_HEADER = ["id", "canal", "activite", "nb_participants", "nb_participants_recurrents", "age_moins_12_ans"]
V1_HEADER += ["age_de_12_a_18_ans", "age_de_18_a_35_ans", "age_de_35_a_60_ans", "age_plus_60_ans", "statut_etudiant"]
V1_HEADER += ["statut_sans_emploi", "statut_en_emploi", "statut_retraite", "statut_heterogene", "themes", "duree"]
V1_HEADER += ["accompagnement_redirection", "code_postal", "code_commune", "date_accompagnement", "structure_id"]
V1_HEADER += ["structure_type", "structure_nom", "structure_siret", "structure_code_postal", "structure_code_commune"]
V1_THEMES = ("internet", "courriel", "smartphone", "demarche en ligne", "securite", "traitement texte", "sante")


def write_v1_file(path: Path, rows: int, communes: list[tuple[str, str]]) -> None:
    """A v1 export (the columns its importer reads, `null` where it had none): V1_STRUCTURES employers each in a
    commune of `communes` ((INSEE code, postal code), the COG's), activities over 2021–2024 in their structure's
    commune or another of its département's sample, a quarter of workshops, the people's age and status ticked."""
    rng = random.Random(21)
    first = datetime.date(2021, 6, 1)
    homes = [rng.choice(communes) for _ in range(V1_STRUCTURES)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(V1_HEADER)
        for n in range(rows):
            structure = rng.randrange(V1_STRUCTURES)
            collective = rng.random() < 0.25
            people = rng.randint(2, 12) if collective else 1
            ages, statuses = [0] * 5, [0] * 5
            ages[rng.randrange(5)] = people
            statuses[rng.randrange(5)] = people
            canal = rng.choice(("rattachement", "distance", "autrelieu", "domicile"))
            insee, postal_code = homes[structure] if rng.random() < 0.8 else rng.choice(communes)
            day = first + datetime.timedelta(days=rng.randrange(1_300))
            writer.writerow(
                [f"v1-{n}", canal, "collectif" if collective else rng.choice(("individuel", "ponctuel")), people]
                + [rng.randint(0, people - 1) if collective else rng.randint(0, 1), *ages, *statuses]
                + ["{" + ",".join(rng.sample(V1_THEMES, rng.randint(1, 3))) + "}"]
                + [rng.choice(("0-30", "30-60", "60", "90", "120")), int(rng.random() < 0.05), postal_code, insee]
                + [f"{day} 10:00:00+00", f"s{structure}", rng.choice(("PRIVATE", "COMMUNE", "DEPARTEMENT"))]
                + [f"Structure v1 {structure}", "null", homes[structure][1], homes[structure][0]]
            )


def server_ceiling(rows: int, before: float | None, after: float | None) -> dict:
    """The import's backend CPU seconds, and the rows/s no client could pass with it: rows / those seconds."""
    if before is None or after is None or after <= before:
        return {}
    seconds = after - before
    return {"server_cpu_seconds": round(seconds, 1), "rows_per_second_ceiling": round(rows / seconds)}


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
