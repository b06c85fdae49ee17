"""How the bench judges the recording's target (bench.targets): the capacity from the closed loop of the most
clients, the latency from the paced level at the target's rate when it was measured."""

from bench import targets


def row(kind, clients, per_second, p95, **more):
    return {
        "kind": kind,
        "clients": clients,
        "per_second": per_second,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "errors": 0,
        **more,
    }


def judged(rows):
    verdicts = targets._recording({"engine": "postgresql", "recording": rows})
    return {verdict["target"]: verdict for verdict in verdicts}


LOADED = "enregistrement à 32 clients : ≥ 200/s, p95 ≤ 100 ms"


def test_the_latency_is_judged_at_the_target_rate_when_it_was_measured():
    closed = [row("login", 1, 5, 200), row("form", 1, 80, 20), row("form", 32, 230, 180)]
    assert judged(closed)[LOADED]["verdict"] == "non atteint"  # the closed loop's p95: 32 / capacity
    paced = [*closed, row("form", 32, 199.5, 60, offered_per_second=200)]
    assert judged(paced)[LOADED]["verdict"] == "atteint"
    assert "à 200/s demandés : p95 60 ms" in judged(paced)[LOADED]["measured"]
    slow = [*closed, row("form", 32, 180, 400, offered_per_second=200)]
    assert judged(slow)[LOADED]["verdict"] == "non atteint"


def test_the_capacity_is_judged_on_the_closed_loop_only():
    rows = [row("api", 1, 80, 20), row("api", 32, 150, 180), row("api", 32, 200, 50, offered_per_second=200)]
    assert judged(rows)[LOADED]["verdict"] == "non atteint"  # 150/s at most
    assert judged(rows)["enregistrement à 1 client : p95 ≤ 50 ms"]["verdict"] == "atteint"


def test_the_imports_memory_is_judged_in_megabytes_not_mebibytes():
    """500 MB are 476.8 MiB: a peak of 482 MiB (505 MB) misses the target."""

    def judged(peak):
        report = {"engine": "sqlite", "import": {"rows": 1_000_000, "rows_per_second": 40_000, "peak_rss_mb": peak}}
        return {verdict["target"]: verdict for verdict in targets._import(report)}["import : mémoire ≤ 500 Mo"]

    assert judged(476)["verdict"] == "atteint"
    assert judged(482)["verdict"] == "non atteint"
    assert judged(482)["measured"] == "482 Mio (505 Mo)"
