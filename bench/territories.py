"""Territories: loading the COG and the commune lookup every importer relies on."""

import csv
import os
import random
import resource
import statistics
import time

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from cnum.territories import lookup
from cnum.territories.models import Commune


def database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def _messy_queries(sample_size: int, seed: int = 2026) -> list[dict]:
    """Real communes from the COG written the way third-party files write them."""
    with open(settings.REFERENCE_DIR / "geo" / "cog-2026-communes.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["type"] == "commune-actuelle" and r["codes_postaux"]]
    rng = random.Random(seed)
    queries = []
    for row in rng.sample(rows, min(sample_size, len(rows))):
        postal_code = row["codes_postaux"].split("|")[0]
        name = row["nom"].upper().replace("SAINT-", "ST ") if rng.random() < 0.5 else row["nom"]
        queries.append({"insee": row["code_insee"].lstrip("0"), "postal_code": postal_code.lstrip("0"), "name": name})
    return queries


def _share_found(answers) -> str:
    return f"{100 * sum(answer.ok for answer in answers) / len(answers):.1f} %"


def _rate(name: str, seconds: float, count: int, detail: str) -> dict:
    return {"name": name, "value": count / seconds, "unit": "per second", "detail": detail}


def run(*, scale: str) -> list[dict]:
    call_command("migrate", verbosity=0)
    results = []
    was_empty = not Commune.objects.exists()
    seconds = _timed(call_command, "load_territories", verbosity=0)
    label = "first load" if was_empty else "reload (already loaded)"
    results.append({"name": "load_territories", "value": seconds, "unit": "s", "detail": label})
    seconds = _timed(call_command, "load_territories", verbosity=0)
    results.append({"name": "load_territories again", "value": seconds, "unit": "s", "detail": "idempotent run"})

    lookup.reset_index()
    results.append({"name": "lookup index build", "value": _timed(lookup._get_index), "unit": "s", "detail": ""})
    queries = _messy_queries(500 if scale == "smoke" else 20_000)
    answers = []
    seconds = _timed(lambda: answers.extend(lookup.commune_by_insee(q["insee"]) for q in queries))
    detail = f"codes that lost their leading zero; {_share_found(answers)} found"
    results.append(_rate("commune by INSEE code", seconds, len(queries), detail))
    answers = []
    seconds = _timed(
        lambda: answers.extend(
            lookup.commune_by_postal_code_and_name(postal_code=q["postal_code"], name=q["name"]) for q in queries
        )
    )
    detail = f"upper case, ST for SAINT, lost zeros; {_share_found(answers)} found"
    results.append(_rate("commune by postal code + name", seconds, len(queries), detail))

    client = Client(HTTP_HOST="127.0.0.1")
    runs = 5 if scale == "smoke" else 50
    for path in ["/", "/connexion/"]:
        status = client.get(path).status_code
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}, not 200: the measure would be meaningless")
        timings = [_timed(client.get, path) * 1000 for _ in range(runs)]
        quantiles = statistics.quantiles(timings, n=20)
        detail = f"p95 {quantiles[18]:.1f} ms over {runs} runs (Django test client)"
        results.append(
            {"name": f"GET {path} p50", "value": statistics.median(timings), "unit": "ms", "detail": detail}
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append({"name": "peak memory", "value": peak, "unit": "MiB", "detail": "whole benchmark process"})
    return results


def database_bytes() -> int:
    """The database's size on disk: the SQLite file (and its journal), or pg_database_size."""
    if connection.vendor == "sqlite":
        path = settings.DATABASES["default"]["NAME"]
        return sum(os.path.getsize(f) for f in (str(path), f"{path}-wal") if os.path.exists(f))
    with connection.cursor() as cursor:
        cursor.execute("select pg_database_size(current_database())")
        return cursor.fetchone()[0]
