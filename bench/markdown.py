"""The Markdown tables of a benchmark report (bench/__main__.py writes them beside the JSON)."""

DATASET_KEYS = (
    "generation_s",
    "generation_peak_rss_mb",
    "rebuild_s",
    "dataset_bytes",
    "bytes_per_million_activities",
)


def render(report: dict) -> str:
    machine, versions = report["machine"], report["versions"]
    lines = [
        f"# cnum benchmark — {report['engine']} — {report['scale']} — {report['date']}",
        "",
        f"Machine: {machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}; "
        f"Django {versions['django']}; {versions['database']}"
        + (
            f"; vitesse : {machine['python_loop_seconds']} s de CPU pour 5 millions d'additions en Python"
            if "python_loop_seconds" in machine
            else ""
        ),
        "",
        "## Cibles",
        "",
        "| cible | mesure | verdict |",
        "|---|---|---|",
        *(f"| {t['target']} | {t['measured']} | {t['verdict']} |" for t in report.get("targets", [])),
    ]
    # A partial report (a run stopped early) renders the sections it has.
    if "dataset" in report:
        lines += dataset(report["dataset"])
    if "naive" in report and "columnar" in report:
        lines += dashboards(report)
    if "public" in report:
        lines += public(report["public"])
    if "recording" in report:
        lines += recording(report)
    if "import" in report:
        imported = report["import"]
        lines += [
            "",
            f"Import cnum-csv : {imported['rows']:,} lignes, {imported['rows_per_second']:,} lignes/s, "
            f"mémoire maximale {imported['peak_rss_mb']} Mio{ceiling(imported)}.",
        ]
    if "webimport" in report:
        web = report["webimport"]
        failed = [name for name, passed in web["checks"].items() if not passed]
        lines += [
            "",
            f"Import web en tâche de fond : {web['rows']:,} lignes, {web['wall_s']} s de la confirmation au rapport, "
            f"{web['rows_per_second']:,} lignes/s ; travailleur tué à {web['restart']['killed_at_rows']:,} lignes "
            f"puis relancé ; vérifications : {'toutes passées' if not failed else 'ÉCHEC ' + ', '.join(failed)}.",
        ]
    if report.get("results"):
        lines += ["", "## Territoires", "", "| measure | value | unit | detail |", "|---|---:|---|---|"]
        lines += [
            f"| {r['name']} | {r['value']:,.1f} | {r['unit']} | {r.get('detail', '')} |" for r in report["results"]
        ]
    return "\n".join(lines) + "\n"


def dataset(data: dict) -> list[str]:
    lines = ["", "## Jeu de données", "", "| mesure | valeur |", "|---|---:|"]
    lines += [f"| lignes {table} | {count:,} |" for table, count in data["rows"].items()]
    lines += [f"| {key} | {data[key]:,} |" if data[key] is not None else f"| {key} | – |" for key in DATASET_KEYS]
    return lines


def dashboards(report: dict) -> list[str]:
    naive = {(r["scope"], r["period"]): r for r in report["naive"]}
    columnar = {(r["scope"], r["period"]): r for r in report["columnar"].get("rows", [])}
    lines = [
        "",
        "## Tableaux de bord",
        "",
        "Client de test Django. Déjà vue : la page redemandée (cache) ; après écriture : une activité enregistrée "
        "par le service dans le périmètre, puis la page (premier affichage). CPU : temps processeur par requête "
        "(p50). HTTP : une requête par gunicorn (déjà vue) ; figures() : engine.figures seul (agrégats) ; naïf : "
        "indicators.summary sur scopes.activities ; DuckDB : Parquet des mêmes activités. Les rapports au naïf et "
        "à DuckDB sont pris sur le premier affichage après écriture.",
        "",
        "| périmètre | période | déjà vue p50 / p95 ms | CPU ms | après écriture p50 / p95 ms | CPU ms | HTTP ms "
        "| figures() p50 ms | naïf p50 ms | naïf/page | DuckDB p50 ms | page/DuckDB |",
        "|---|---|" + "---:|" * 10,
    ]
    for row in report["dashboards"]:
        key = (row["scope"], row["period"])
        cold = row.get("cold") or {}
        computed = cold.get("p50_ms") or row["p50_ms"]
        slow, fast, duck = naive[key]["p50_ms"], row["figures"]["p50_ms"], columnar.get(key, {}).get("p50_ms")
        duck_cells = f"{duck} | {computed / duck:.1f}" if duck else "– | –"
        cold_cells = f"{cold['p50_ms']} / {cold['p95_ms']} | {cold['cpu_p50_ms']}" if cold else "– | –"
        lines.append(
            f"| {row['scope']} | {row['period']} | {row['p50_ms']} / {row['p95_ms']} | {row.get('cpu_p50_ms', '–')} "
            f"| {cold_cells} | {row['http_ms']} | {fast} | {slow} | {slow / computed:.1f} | {duck_cells} |"
        )
    if "skipped" in report["columnar"]:
        lines += ["", f"Référence colonne non mesurée : {report['columnar']['skipped']}."]
    return lines


def recording(report: dict) -> list[str]:
    lines = [
        "",
        "## Enregistrement (HTTP, gunicorn)",
        "",
        "Sans rythme : chaque client poste dès qu'il a sa réponse (la capacité). Au rythme demandé : les clients "
        "postent ensemble tant de fois par seconde, le temps compté depuis l'instant prévu (la latence à cette "
        "charge). CPU : celui de gunicorn, puis celui de toute la machine (serveur, base, clients) par requête ; "
        "volé : la part du temps que l'hôte a donnée à d'autres machines pendant la mesure ; étalon : le CPU de "
        "gunicorn pour une page de connexion, mesuré juste avant (la vitesse de la machine à ce moment-là).",
        "",
        "| type | clients | rythme demandé /s | requêtes | erreurs | req/s | p50 ms | p95 ms | CPU gunicorn ms "
        "| CPU machine ms | volé % | étalon ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["recording"]:
        lines.append(
            f"| {row['kind']} | {row['clients']} | {row.get('offered_per_second', '–')} | {row['requests']} "
            f"| {row['errors']} | {row.get('per_second', '–')} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row.get('server_cpu_ms_per_request', '–')} | {row.get('machine_cpu_ms_per_request', '–')} "
            f"| {row.get('stolen_percent', '–')} | {row.get('reference_cpu_ms', '–')} |"
        )
    return lines


def public(data: dict) -> list[str]:
    lines = [
        "",
        "## Pages publiques (carte, API, lieu, statistiques d'un territoire)",
        "",
        f"{data['sites']:,} lieux publiés ({data['placed']:,} placés pour la mesure). Page : client de test Django, "
        "anonyme ; HTTP : une requête par gunicorn.",
        "",
        "| page | chemin | octets | p50 ms | p95 ms | HTTP ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row['page']} | `{row['path']}` | {row['bytes']:,} | {row['p50_ms']} | {row['p95_ms']} "
        f"| {row['http_ms']} |"
        for row in data["rows"]
    ]
    return lines


def ceiling(result: dict) -> str:
    """What the database's process allowed the import (bench.activities_import.server_ceiling), when measured."""
    if "rows_per_second_ceiling" not in result:
        return ""
    rate = f"{result['rows_per_second_ceiling']:,}".replace(",", " ")
    return (
        f" ; plafond de la base : {rate} lignes/s, {result['server_cpu_seconds']} s de CPU de son processus "
        "(une transaction)"
    )
