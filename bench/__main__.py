"""`make bench`: measure cnum on the configured engine and write bench/results/<date>-<engine>-<scale>.{json,md}.

SQLite runs in a throw-away file; set DATABASE_URL to measure PostgreSQL (the database is migrated and loaded).
"""

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "quick"), choices=["quick", "smoke"])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL"):
        os.environ["CNUM_SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="cnum-bench-")) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    from bench import territories

    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "engine": connection.vendor,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {"django": django.get_version(), "database": territories.database_version()},
        "results": territories.run(scale=args.scale),
    }
    write(report, args.output)
    return 0


def write(report: dict, output: Path) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    stem = f"{report['date'][:10]}-{report['engine']}-{report['scale']}"
    (output / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    lines = [
        f"# cnum benchmark — {report['engine']} — {report['scale']} — {report['date']}",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['platform']}, Python "
        f"{report['machine']['python']}; Django {report['versions']['django']}; {report['versions']['database']}",
        "",
        "| measure | value | unit | detail |",
        "|---|---:|---|---|",
    ]
    for row in report["results"]:
        lines.append(f"| {row['name']} | {row['value']:,.1f} | {row['unit']} | {row.get('detail', '')} |")
    (output / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return output / f"{stem}.md"


if __name__ == "__main__":
    sys.exit(main())
