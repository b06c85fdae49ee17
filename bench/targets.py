"""The targets of issue #7, each judged on the measures of a report: atteint / non atteint (or non mesuré when the
report lacks the measure). Time targets are for the national dataset: at a smaller scale the generation and rebuild
times are extrapolated linearly (said so); the others are judged as measured, whatever the scale.

    python -m bench.targets bench/results/<file>.json   # judge a report again and rewrite its JSON and Markdown
"""

import json
import sys
from pathlib import Path

from bench import markdown
from cnum.demo.national import NATIONAL_ACTIVITIES as NATIONAL

DASHBOARD_P95_MS = 50
#: The first view after a write in the page's scope (issue #16, deliverable 6).
DASHBOARD_COLD_P95_MS = 100
#: The scopes where the dashboards must beat the naive path by NAIVE_RATIO and DuckDB (issue #16).
WIDE_SCOPES = ("national", "région")
NAIVE_RATIO = 50
RECORDING_PER_SECOND = {"postgresql": 200, "sqlite": 100}
RECORDING_P95_MS = {"postgresql": 100}
RECORDING_CLIENTS = 32
#: Issue #20: one client alone records with p95 ≤ 50 ms.
RECORDING_ALONE_P95_MS = 50
IMPORT_PER_SECOND = {"postgresql": 50_000, "sqlite": 30_000}
IMPORT_PEAK_MB = 500
#: Public pages (issue #22), p95 through Django's test client: the map with every site draws thousands of markers.
PUBLIC_P95_MS = {
    "carte, tous les lieux": 500,
    "carte, recherche d'un code postal": 200,
    "API autour d'un point": 100,
    "page d'un lieu": 100,
    "statistiques d'un département": 200,
}


def evaluate(report: dict) -> list[dict]:
    return [
        _build(report),
        _memory(report),
        *_dashboards(report),
        *_public(report),
        *_recording(report),
        *_import(report),
    ]


def _build(report: dict) -> dict:
    name = "jeu national généré et agrégé en 15 min au plus"
    data = report.get("dataset")
    if not data:
        return _missing(name)
    activities = data["rows"].get("activities_activity", 0) or 1
    factor = NATIONAL / activities
    build = data["generation_s"] + data["rebuild_s"]
    extrapolated = "" if report["scale"] == "national" else f" (extrapolé ×{factor:.0f} depuis {activities} activités)"
    detail = f"{build * factor:.0f} s : génération {data['generation_s']} s + agrégats {data['rebuild_s']} s"
    return _target(name, build * factor <= 900, detail + extrapolated)


def _memory(report: dict) -> dict:
    name = "mémoire maximale sous 2 Go"
    if "peak_rss_mb" not in report:
        return _missing(name)
    # A resumed run's process did not generate the dataset: the generation's own peak counts too.
    peak = max(report["peak_rss_mb"], (report.get("dataset") or {}).get("generation_peak_rss_mb") or 0)
    return _target(name, megabytes(peak) < 2000, _mebibytes(peak))


def _dashboards(report: dict) -> list[dict]:
    """Warm (a page viewed before) and cold (the first view after a write in its scope) p95; the naive path and
    DuckDB compared with the cold view (the one that computes), judged on the national and regional scopes and
    reported for the others, where a scan of a few thousand rows may be as fast."""
    names = (
        f"tableaux de bord déjà vus : p95 ≤ {DASHBOARD_P95_MS} ms",
        f"tableaux de bord, premier affichage après une écriture : p95 ≤ {DASHBOARD_COLD_P95_MS} ms",
        f"tableaux de bord ≥ {NAIVE_RATIO}× plus rapides que le chemin naïf (national, régions)",
        "tableaux de bord plus rapides que DuckDB sur les activités brutes (national, régions)",
    )
    rows = report.get("dashboards")
    if not rows:
        return [_missing(name) for name in names]
    results = [_quantile(names[0], rows, lambda row: row, DASHBOARD_P95_MS)]
    cold = [row for row in rows if "cold" in row]
    results.append(
        _quantile(names[1], cold, lambda row: row["cold"], DASHBOARD_COLD_P95_MS) if cold else _missing(names[1])
    )
    computed = {(row["scope"], row["period"]): (row.get("cold") or row)["p50_ms"] for row in rows}
    naive = {(r["scope"], r["period"]): r["p50_ms"] for r in report.get("naive", [])}
    results.append(_compared(names[2], computed, naive, lambda page, other: other / page >= NAIVE_RATIO, "×"))
    columnar = {(r["scope"], r["period"]): r["p50_ms"] for r in (report.get("columnar") or {}).get("rows", [])}
    results.append(_compared(names[3], computed, columnar, lambda page, other: page < other, "ms"))
    return results


def _quantile(name: str, rows: list[dict], measure, limit: float) -> dict:
    worst = max(rows, key=lambda row: measure(row)["p95_ms"])
    met = sum(measure(row)["p95_ms"] <= limit for row in rows)
    detail = f"pire p95 {measure(worst)['p95_ms']} ms ({worst['scope']}, {worst['period']}) ; "
    return _target(name, met == len(rows), detail + f"{met} cas sur {len(rows)} dans la cible")


def _compared(name: str, pages: dict, others: dict, better, unit: str) -> dict:
    """Judged on WIDE_SCOPES; the other scopes are said apart."""
    if not others:
        return _missing(name)
    judged = [key for key in pages if key[0] in WIDE_SCOPES and key in others]
    met = sum(better(pages[key], others[key]) for key in judged)
    rest = [key for key in pages if key[0] not in WIDE_SCOPES and key in others]
    beaten = sum(better(pages[key], others[key]) for key in rest)
    if unit == "×":
        ratios = [others[key] / pages[key] for key in judged]
        detail = f"rapport de {min(ratios):.0f}× à {max(ratios):.0f}× ; " if ratios else ""
    else:
        detail = ""
    detail += f"{met} cas sur {len(judged)} (premier affichage) ; périmètres plus petits : {beaten} sur {len(rest)}"
    return _target(name, bool(judged) and met == len(judged), detail)


def _public(report: dict) -> list[dict]:
    rows = {row["page"]: row for row in (report.get("public") or {}).get("rows", [])}
    results = []
    for page, limit in PUBLIC_P95_MS.items():
        name = f"pages publiques, {page} : p95 ≤ {limit} ms"
        row = rows.get(page)
        if row is None:
            results.append(_missing(name))
            continue
        results.append(_target(name, row["p95_ms"] <= limit, f"p95 {row['p95_ms']} ms, p50 {row['p50_ms']} ms"))
    return results


def _recording(report: dict) -> list[dict]:
    engine = report["engine"]
    rate, p95 = RECORDING_PER_SECOND.get(engine, 100), RECORDING_P95_MS.get(engine)
    names = (
        "enregistrement : zéro erreur (formulaire et API, tous niveaux)",
        f"enregistrement à {RECORDING_CLIENTS} clients : ≥ {rate}/s" + (f", p95 ≤ {p95} ms" if p95 else ""),
        f"enregistrement à 1 client : p95 ≤ {RECORDING_ALONE_P95_MS} ms",
    )
    rows = report.get("recording")
    if not rows:
        return [_missing(name) for name in names]
    errors = sum(row["errors"] for row in rows)
    most = max(r["clients"] for r in rows)
    closed = [row for row in rows if "offered_per_second" not in row]
    loaded = [row for row in closed if row["kind"] != "login" and row["clients"] == most]
    # The latency at the target's rate: the paced level where measured (a closed loop of 32 clients cannot show it:
    # its p95 is at least 32 / capacity), else the closed loop's.
    paced = {row["kind"]: row for row in rows if row.get("offered_per_second") and row["clients"] == most}
    met = all(
        row["per_second"] >= rate and (p95 is None or paced.get(row["kind"], row)["p95_ms"] <= p95) for row in loaded
    )
    detail = " ; ".join(
        f"{row['kind']} {row['per_second']}/s, p95 {row['p95_ms']} ms"
        + (
            f" (à {paced[row['kind']]['offered_per_second']}/s demandés : p95 {paced[row['kind']]['p95_ms']} ms, "
            f"{paced[row['kind']]['per_second']}/s servis)"
            if row["kind"] in paced
            else ""
        )
        for row in loaded
    )
    alone = [row for row in closed if row["kind"] != "login" and row["clients"] == 1]
    alone_met = bool(alone) and all(row["p95_ms"] <= RECORDING_ALONE_P95_MS for row in alone)
    alone_detail = " ; ".join(f"{row['kind']} p95 {row['p95_ms']} ms" for row in alone) or "—"
    return [
        _target(names[0], errors == 0, f"{errors} erreurs"),
        _target(names[1], met, detail),
        _target(names[2], alone_met, alone_detail),
    ]


def _import(report: dict) -> list[dict]:
    engine = report["engine"]
    rate = IMPORT_PER_SECOND.get(engine, 30_000)
    names = (f"import : ≥ {rate:,} lignes/s".replace(",", " "), f"import : mémoire ≤ {IMPORT_PEAK_MB} Mo")
    result = report.get("import")
    if not result:
        return [_missing(name) for name in names]
    rows = f" ({result['rows']:,} lignes)".replace(",", " ")
    return [
        _target(
            names[0],
            result["rows_per_second"] >= rate,
            f"{result['rows_per_second']} lignes/s{rows}" + markdown.ceiling(result),
        ),
        _target(names[1], megabytes(result["peak_rss_mb"]) <= IMPORT_PEAK_MB, _mebibytes(result["peak_rss_mb"])),
    ]


def megabytes(mebibytes: float) -> float:
    """The reports measure memory in MiB (2²⁰ bytes); the targets are in MB (10⁶ bytes)."""
    return mebibytes * 2**20 / 10**6


def _mebibytes(mebibytes: float) -> str:
    return f"{mebibytes} Mio ({megabytes(mebibytes):.0f} Mo)"


def _target(name: str, met: bool, measured: str) -> dict:
    return {"target": name, "met": met, "verdict": "atteint" if met else "non atteint", "measured": measured}


def _missing(name: str) -> dict:
    return {"target": name, "met": False, "verdict": "non mesuré", "measured": "—"}


def main(argv=None) -> int:
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        report = json.loads(path.read_text())
        report["targets"] = evaluate(report)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        path.with_suffix(".md").write_text(markdown.render(report))
        print(path.with_suffix(".md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
