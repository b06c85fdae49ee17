"""Dashboards read from the rollups: the pages of five scopes × two periods, ≥ 20 runs each through Django's test
client, then once each over HTTP through gunicorn (with the session of the same user)."""

import datetime
import time

import requests
from django.conf import settings
from django.db.models import Count
from django.test import Client

from bench.server import gunicorn, quantiles_ms, user_with_role
from cnum.accounts.enums import Role
from cnum.activities.models import Activity
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


def run(*, runs: int) -> list[dict]:
    user = user_with_role("bench-national@exemple.fr", Role.PROGRAMME_TEAM)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    rows = []
    for label, scope in busiest_scopes().items():
        for period in PERIODS:
            path = url(scope, period)
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}: the measure would be meaningless")
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                client.get(path)
                timings.append(time.perf_counter() - start)
            row = {"scope": label, "code": scope, "period": period, "path": path, **quantiles_ms(timings)}
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
