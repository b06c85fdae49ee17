"""The targets of issue #7, each judged on the measures of a report: atteint / non atteint. Time targets are for the
national dataset: at a smaller scale the generation and rebuild times are extrapolated linearly (said so)."""

from cnum.demo.national import NATIONAL_ACTIVITIES as NATIONAL


def evaluate(report: dict) -> list[dict]:
    data = report["dataset"]
    activities = data["rows"].get("activities_activity", 0) or 1
    factor = NATIONAL / activities
    build = data["generation_s"] + data["rebuild_s"]
    extrapolated = "" if report["scale"] == "national" else f" (extrapolé ×{factor:.0f} depuis {activities} activités)"
    recording_errors = sum(row["errors"] for row in report["recording"])
    naive = {(r["scope"], r["period"]): r["p50_ms"] for r in report["naive"]}
    slower = [r for r in report["dashboards"] if r["p50_ms"] > naive[r["scope"], r["period"]]]
    return [
        _target(
            "jeu national généré et agrégé en 15 min au plus",
            build * factor <= 900,
            f"{build * factor:.0f} s" + extrapolated,
        ),
        _target("mémoire maximale sous 2 Go", report["peak_rss_mb"] < 2048, f"{report['peak_rss_mb']} Mio"),
        _target(
            "enregistrement : zéro erreur (formulaire et API, 1/8/32 clients)",
            recording_errors == 0,
            f"{recording_errors} erreurs",
        ),
        _target(
            "tableaux de bord plus rapides que le chemin naïf",
            not slower,
            f"{len(slower)} cas sur {len(report['dashboards'])} plus lents",
        ),
    ]


def _target(name: str, met: bool, measured: str) -> dict:
    return {"target": name, "met": met, "verdict": "atteint" if met else "non atteint", "measured": measured}
