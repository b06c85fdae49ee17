"""CI smoke of the benchmark harness: `python -m bench --scale smoke` runs end to end in its own process, in its own
throw-away SQLite file (DATABASE_URL is left out: the bench must never write into the database of the test run), on
a tiny national-shaped dataset, and writes its report into a temporary folder; the structure of the report is
checked, never the timings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import targets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    command = [sys.executable, "-m", "bench", "--scale", "smoke", "--activities", "600", "--output", str(folder)]
    environment = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return folder


def quantiles_ok(row: dict) -> bool:
    return row["runs"] >= 1 and 0 <= row["p50_ms"] <= row["p95_ms"]


def test_smoke_run_measures_every_part_and_writes_json_and_markdown(output):
    (report,) = output.glob("*-smoke.json")
    markdown = report.with_suffix(".md")

    written = json.loads(report.read_text())
    assert {
        "machine",
        "versions",
        "dataset",
        "dashboards",
        "public",
        "naive",
        "columnar",
        "recording",
        "import",
        "targets",
    } <= written.keys()
    assert written["dataset"]["rows"]["activities_activity"] > 0
    assert written["dataset"]["rows"]["StatCell"] > 0
    scopes = {(row["scope"], row["period"]) for row in written["dashboards"]}
    assert {scope for scope, _ in scopes} == {"national", "région", "département", "structure", "conseiller"}
    assert {period for _, period in scopes} == {"2025", "tout"}
    for row in written["dashboards"]:
        assert quantiles_ok(row) and quantiles_ok(row["figures"]) and quantiles_ok(row["cold"])
        assert row["cpu_p50_ms"] > 0 and row["cold"]["cpu_p50_ms"] > 0
        assert row["http_status"] == 200
        assert row["figures"]["computed"]["figures"] == "rollups"
    assert {(row["scope"], row["period"]) for row in written["naive"]} == scopes
    assert all(quantiles_ok(row) for row in written["naive"])
    columnar = written["columnar"]
    assert "skipped" in columnar or ({(r["scope"], r["period"]) for r in columnar["rows"]} == scopes)
    recording = written["recording"]
    assert {row["kind"] for row in recording} == {"login", "form", "api"}
    assert all(quantiles_ok(row) and row["errors"] == 0 for row in recording)
    posted = [row for row in recording if row["kind"] != "login"]
    assert all(row["machine_cpu_ms_per_request"] > 0 for row in posted)
    assert all(0 <= row["stolen_percent"] <= 100 for row in posted)
    assert all(row["reference_cpu_ms"] > 0 for row in posted) and "étalon ms" in markdown.read_text()
    assert written["machine"]["python_loop_seconds"] > 0 and "millions d'additions" in markdown.read_text()
    paced = [row for row in recording if row.get("offered_per_second")]
    assert {row["kind"] for row in paced} == {"form", "api"}
    assert all(row["offered_per_second"] == targets.RECORDING_PER_SECOND["sqlite"] for row in paced)
    assert written["import"]["created"] == written["import"]["rows"]
    # Every target of the issue is judged; only the DuckDB one may lack its measure (bench extra not installed).
    public = written["public"]
    assert public["placed"] > 0 and public["sites"] >= public["placed"]
    assert [row["page"] for row in public["rows"]] == list(targets.PUBLIC_P95_MS)
    assert all(quantiles_ok(row) and row["http_status"] == 200 and row["bytes"] > 0 for row in public["rows"])
    assert len(written["targets"]) == 11 + len(targets.PUBLIC_P95_MS)
    unmeasured = [target["target"] for target in written["targets"] if target["verdict"] == "non mesuré"]
    duckdb = "tableaux de bord plus rapides que DuckDB sur les activités brutes (national, régions)"
    assert unmeasured == ([duckdb] if "skipped" in columnar else [])
    assert "## Cibles" in markdown.read_text() and "| conseiller | tout |" in markdown.read_text()
    assert "| page d'un lieu | `/lieux/" in markdown.read_text()
