"""Dashboards read from the rollups: the pages of five scopes × two periods through Django's test client, then once
each over HTTP through gunicorn (with the session of the same user).

Two measures per page (docs/adr/0008-dashboard-cache.md): *warm*, a page viewed before (served from the cache), and
*cold*, the first view after a write in its scope — each cold run records one activity in the scope through the
service (cnum.activities.services.activity_record: the rollups and the scope's version move), then times the view.
Each gives wall-clock quantiles and the CPU time of the process per request (the machine may be shared)."""

import datetime
import statistics
import time

import requests
from django.conf import settings
from django.db.models import Count
from django.test import Client

from bench.server import gunicorn, quantiles_ms, user_with_role
from cnum.accounts.enums import Role
from cnum.activities.models import Activity
from cnum.activities.services import activity_record
from cnum.advisors.models import Advisor, Contract
from cnum.stats import engine
from cnum.stats.scopes import Scope
from cnum.structures.models import Structure

#: The periods measured: a calendar year and all time (query string of the dashboard, its dates).
PERIODS = {
    "2025": ("periode=dates&du=2025-01-01&au=2025-12-31", "2025-01-01", "2025-12-31"),
    "tout": ("periode=tout", None, None),
}


def busiest_scopes() -> dict[str, str]:
    """national, and the région, département, structure and advisor with the most activities."""
    structure = Activity.objects.values("structure_id").annotate(n=Count("pk")).order_by("-n", "structure_id").first()
    advisor = Activity.objects.values("advisor_id").annotate(n=Count("pk")).order_by("-n", "advisor_id").first()
    if structure is None or advisor is None:
        raise RuntimeError("no activity: the dataset is empty")
    home = Structure.objects.select_related("departement").get(pk=structure["structure_id"])
    return {
        "national": "national",
        "région": f"region:{home.departement.region_id}",
        "département": f"departement:{home.departement_id}",
        "structure": f"structure:{home.pk}",
        "conseiller": f"advisor:{advisor['advisor_id']}",
    }


def url(scope: str, period: str) -> str:
    return f"/statistiques/tableau-de-bord/?scope={scope}&{PERIODS[period][0]}"


def _figures(code: str, period: str, runs: int) -> dict:
    """engine.figures() alone (the rollup read, without the page): p50/p95 and where the figures came from."""
    _, since, until = PERIODS[period]
    since, until = (datetime.date.fromisoformat(since), datetime.date.fromisoformat(until)) if since else (None, None)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = engine.figures(Scope.parse(code), since, until)
        timings.append(time.perf_counter() - start)
    return {**quantiles_ms(timings), "computed": result["computed"]}


#: The day of the activities the cold runs record: within both periods measured.
WRITTEN_ON = datetime.date(2025, 6, 16)


def writers(scopes: dict[str, str]) -> dict[str, Advisor]:
    """For each scope, an advisor whose activities count in it: one employed now by the structure measured (inside
    the département and the région measured), and the advisor measured."""
    structure_id = int(scopes["structure"].partition(":")[2])
    contract = Contract.objects.current().filter(structure_id=structure_id).order_by("pk").first()
    if contract is None:
        raise RuntimeError(f"no advisor employed now by structure {structure_id}: no cold run possible")
    advisor = Advisor.objects.get(pk=int(scopes["conseiller"].partition(":")[2]))
    return {label: advisor if label == "conseiller" else contract.advisor for label in scopes}


def record_one(advisor: Advisor, index: int) -> None:
    """One activity through the service, as an advisor records it (the rollups follow, in its transaction)."""
    data = {
        "type": "individuel",
        "date": WRITTEN_ON,
        "duration_minutes": 30 + index % 60,
        "place_type": "a_distance",
        "site": None,
        "themes": ["email"],
    }
    activity_record(advisor=advisor, data=data)


def _timed(client: Client, path: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one GET."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: the measure would be meaningless")
    return time.perf_counter() - start, time.process_time() - cpu


def _measure(timings: list[tuple[float, float]]) -> dict:
    return {
        **quantiles_ms([wall for wall, _ in timings]),
        "cpu_p50_ms": round(statistics.median(cpu for _, cpu in timings) * 1000, 2),
    }


def run(*, runs: int) -> list[dict]:
    user = user_with_role("bench-national@exemple.fr", Role.PROGRAMME_TEAM)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    scopes = busiest_scopes()
    authors = writers(scopes)
    rows = []
    for label, scope in scopes.items():
        for period in PERIODS:
            path = url(scope, period)
            _timed(client, path)
            warm = [_timed(client, path) for _ in range(runs)]
            cold = []
            for index in range(runs):
                record_one(authors[label], index)
                cold.append(_timed(client, path))
            row = {"scope": label, "code": scope, "period": period, "path": path, **_measure(warm)}
            row["cold"] = _measure(cold)
            row["figures"] = _figures(scope, period, runs)
            rows.append(row)
    cookie = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    with gunicorn() as base:
        for row in rows:
            requests.get(base + row["path"], cookies=cookie, timeout=120)  # each worker's first request
            start = time.perf_counter()
            response = requests.get(base + row["path"], cookies=cookie, timeout=120)
            row["http_ms"] = round((time.perf_counter() - start) * 1000, 2)
            row["http_status"] = response.status_code
    return rows
