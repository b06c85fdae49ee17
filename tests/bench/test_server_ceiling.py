"""The import bench's ceiling: the CPU time of the PostgreSQL process that runs the import's one transaction
(bench.server.backend_cpu_seconds), the rows/s it leaves any client, and what the reports say of it."""

import pytest
from django.conf import settings
from django.db import connection

from bench import markdown, targets
from bench.activities_import import server_ceiling
from bench.server import backend_cpu_seconds


@pytest.mark.django_db
def test_the_cpu_time_of_the_databases_process_is_read_when_it_runs_here():
    if connection.vendor != "postgresql":
        assert backend_cpu_seconds(connection) is None
        return
    if settings.DATABASES["default"]["HOST"] not in ("", "127.0.0.1", "localhost", "::1"):
        pytest.skip("the server runs on another machine: its processes are not in this one's /proc")
    before = backend_cpu_seconds(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generate_series(1, 5000000)")
    assert backend_cpu_seconds(connection) - before >= 0.05


def test_the_ceiling_is_the_rows_over_the_servers_cpu_seconds():
    assert server_ceiling(1_000_000, 10.0, 35.0) == {"server_cpu_seconds": 25.0, "rows_per_second_ceiling": 40_000}
    assert server_ceiling(1_000_000, None, None) == {} == server_ceiling(1_000_000, 3.0, 3.0)


def test_the_report_says_what_the_database_allowed_the_import():
    result = {"rows": 1_000_000, "rows_per_second": 33_176, "peak_rss_mb": 339}
    measured = {verdict["target"]: verdict for verdict in targets._import({"engine": "postgresql", "import": result})}
    assert measured["import : ≥ 50 000 lignes/s"]["measured"] == "33176 lignes/s (1 000 000 lignes)"
    result.update(server_ceiling(1_000_000, 10.0, 35.0))
    measured = {verdict["target"]: verdict for verdict in targets._import({"engine": "postgresql", "import": result})}
    assert measured["import : ≥ 50 000 lignes/s"]["measured"] == (
        "33176 lignes/s (1 000 000 lignes) ; plafond de la base : 40 000 lignes/s, 25.0 s de CPU de son processus "
        "(une transaction)"
    )
    report = {"engine": "postgresql", "scale": "quick", "date": "2026-12-05", "import": result}
    report |= {"machine": {"cpus": 2, "platform": "Linux", "python": "3.11"}, "versions": {"django": "5.2"}}
    report["versions"]["database"] = "PostgreSQL 15"
    assert "Mio ; plafond de la base : 40 000 lignes/s, 25.0 s de CPU" in markdown.render(report)
