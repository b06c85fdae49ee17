"""A columnar reference: the activities exported once to Parquet (pyarrow), then the dashboards' additive figures
(activities, accompaniments, hours, themes, months) of the same scopes and periods scanned by DuckDB. Distinct
people are not computed here (they need the accompaniment rows). Skipped, with the reason, when duckdb or pyarrow
is not installed (`pip install -e ".[bench]"`)."""

import json
import time
from pathlib import Path

from django.db import connection

from bench.dashboards import PERIODS
from bench.server import quantiles_ms

EXPORT = """
SELECT a.id, a.date, a.type, a.duration_minutes, a.structure_id, a.advisor_id, s.departement_id, d.region_id,
       a.themes, COALESCE(c.n, 0) + CASE WHEN a.type = 'collectif' THEN a.anonymous_participants ELSE 0 END
FROM activities_activity a
JOIN structures_structure s ON s.id = a.structure_id
LEFT JOIN territories_departement d ON d.code = s.departement_id
LEFT JOIN (SELECT activity_id, COUNT(*) AS n FROM activities_accompaniment GROUP BY activity_id) c
       ON c.activity_id = a.id
"""
NAMES = ["id", "date", "type", "duration", "structure_id", "advisor_id", "departement", "region", "themes", "people"]
SCOPE_COLUMNS = {
    "region": "region",
    "departement": "departement",
    "structure": "structure_id",
    "advisor": "advisor_id",
}


def export(path: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    start, rows, writer = time.perf_counter(), 0, None
    with connection.cursor() as cursor:
        cursor.execute(EXPORT)
        while batch := cursor.fetchmany(100_000):
            columns = [list(values) for values in zip(*batch, strict=True)]
            columns[1] = [value if not isinstance(value, str) else _date(value) for value in columns[1]]
            columns[8] = [json.loads(value) if isinstance(value, str) else value for value in columns[8]]
            table = pa.table(dict(zip(NAMES, columns, strict=True)))
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            rows += len(batch)
    if writer:
        writer.close()
    return {"rows": rows, "seconds": round(time.perf_counter() - start, 2), "bytes": path.stat().st_size}


def _date(text: str):
    import datetime

    return datetime.date.fromisoformat(text)


def queries(path: Path, code: str, since: str | None, until: str | None) -> list[tuple[str, list]]:
    kind, _, value = code.partition(":")
    conditions, parameters = [], []
    if kind in SCOPE_COLUMNS:
        conditions.append(f"{SCOPE_COLUMNS[kind]} = ?")
        parameters.append(int(value) if kind in {"structure", "advisor"} else value)
    if since:
        conditions += ["date >= CAST(? AS DATE)", "date <= CAST(? AS DATE)"]
        parameters += [since, until]
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    source = f"read_parquet('{path}')"
    return [
        (f"SELECT count(*), sum(people), round(sum(duration) / 60, 1) FROM {source} {where}", parameters),
        (f"SELECT theme, count(*) FROM (SELECT unnest(themes) AS theme FROM {source} {where}) GROUP BY 1", parameters),
        (f"SELECT strftime(date, '%Y-%m'), count(*), sum(people) FROM {source} {where} GROUP BY 1", parameters),
    ]


def run(*, scopes: dict[str, str], runs: int, workdir: Path) -> dict:
    try:
        import duckdb
        import pyarrow  # noqa: F401
    except ImportError as error:
        return {"skipped": f"{error.name} n'est pas installé (pip install -e '.[bench]')"}
    path = workdir / "activities.parquet"
    result = {"export": export(path), "duckdb": duckdb.__version__, "rows": []}
    database = duckdb.connect()
    for label, code in scopes.items():
        for period, (_, since, until) in PERIODS.items():
            statements = queries(path, code, since, until)
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                for sql, parameters in statements:
                    database.execute(sql, parameters).fetchall()
                timings.append(time.perf_counter() - start)
            activities = database.execute(*statements[0]).fetchone()[0]
            row = {"scope": label, "code": code, "period": period, "activities": activities, **quantiles_ms(timings)}
            result["rows"].append(row)
    database.close()
    return result
