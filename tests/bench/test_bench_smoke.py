import json

import pytest

from bench import __main__ as bench_main
from bench import territories


@pytest.mark.django_db(transaction=True)
def test_benchmark_harness_measures_and_writes_its_report(tmp_path):
    results = territories.run(scale="smoke")
    names = {row["name"] for row in results}
    assert {"load_territories", "commune by INSEE code", "commune by postal code + name", "GET / p50"} <= names
    assert all(row["value"] > 0 for row in results)
    report = {
        "date": "2026-11-28T00:00:00+00:00",
        "scale": "smoke",
        "engine": "sqlite",
        "machine": {"cpus": 2, "platform": "test", "python": "3.11"},
        "versions": {"django": "5.2", "database": territories.database_version()},
        "results": results,
    }
    markdown = bench_main.write(report, tmp_path)
    assert "| commune by INSEE code |" in markdown.read_text()
    assert json.loads((tmp_path / "2026-11-28-sqlite-smoke.json").read_text())["results"] == results
