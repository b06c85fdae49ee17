"""Recording throughput over HTTP against gunicorn on 127.0.0.1: advisors sign in (login form with CSRF) and post
the recording form, and partner tools post to the API with a bearer token; 1, 8 and 32 concurrent clients (threads
with requests), each its own advisor. Latency p50/p95, requests per second, errors (any unexpected status)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.server import gunicorn, quantiles_ms, user_with_role
from cnum.accounts.enums import Role
from cnum.advisors.models import Contract, SiteAssignment

PASSWORD = "mesure-bench-2025"
LEVELS = (1, 8, 32)


def advisors(count: int) -> list[tuple]:
    """`count` advisors in post with a current site: (advisor, site id), each with a user and an API token."""
    from cnum.api.models import ApiToken

    chosen = []
    for contract in Contract.objects.current().select_related("advisor").order_by("pk"):
        site = SiteAssignment.objects.current().filter(advisor_id=contract.advisor_id).first()
        if site is None:
            continue
        advisor = contract.advisor
        user = user_with_role(f"bench-{advisor.pk}@exemple.fr", Role.ADVISOR, password=PASSWORD)
        advisor.user = user
        advisor.save(update_fields=["user"])
        _, secret = ApiToken.issue(name="bench", owner=user, advisor=advisor)
        chosen.append((user.email, site.site_id, secret))
        if len(chosen) == count:
            break
    return chosen


def login(base: str, email: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/connexion/", timeout=60)
    response = session.post(
        f"{base}/connexion/",
        data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} answered {response.status_code}")
    return session


def form_post(base: str, session: requests.Session, site: int, n: int) -> bool:
    data = {
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "type": "individuel",
        "date": f"2025-06-{1 + n % 28:02d}",
        "duration_preset": "30",
        "place_type": "lieu_activite",
        "site": site,
        "themes": ["email", "securite_numerique"],
        "genre": "feminin",
        "age_bracket": "soixante_dix_plus",
        "social_status": "retraite",
        "autonomy": "partiellement_autonome",
        "progressed": "oui",
    }
    response = session.post(f"{base}/activites/nouvelle/", data=data, allow_redirects=False, timeout=120)
    return response.status_code == 302


def api_post(base: str, session: requests.Session, site: int, n: int, secret: str) -> bool:
    payload = {
        "type": "individuel",
        "date": f"2025-06-{1 + n % 28:02d}",
        "duration_minutes": 45,
        "place_type": "lieu_activite",
        "site": site,
        "themes": ["prendre_en_main_du_materiel"],
        "genre": "masculin",
        "progressed": "oui",
    }
    headers = {"Authorization": f"Bearer {secret}"}
    response = session.post(f"{base}/api/v1/activities", json=payload, headers=headers, timeout=120)
    return response.status_code == 201  # 422 or 429 (throttled) count as errors


def _level(base, kind, clients, sessions, per_client) -> dict:
    timings, errors, lock = [], [], threading.Lock()

    def client(index: int) -> None:
        email, site, secret = clients[index]
        session = sessions[index] if kind == "form" else requests.Session()
        for n in range(per_client):
            start = time.perf_counter()
            try:
                ok = form_post(base, session, site, n) if kind == "form" else api_post(base, session, site, n, secret)
            except requests.RequestException:
                ok = False
            with lock:
                timings.append(time.perf_counter() - start)
                if not ok:
                    errors.append(index)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(client, range(len(clients))))
    elapsed = time.perf_counter() - start
    result = {"requests": len(timings), "errors": len(errors), "per_second": round(len(timings) / elapsed, 1)}
    return result, timings


def run(*, per_client: int, levels: tuple[int, ...] = LEVELS) -> list[dict]:
    people = advisors(max(levels))
    rows = []
    with gunicorn() as base:
        logins = []
        sessions = []
        for email, _, _ in people:
            start = time.perf_counter()
            sessions.append(login(base, email))
            logins.append(time.perf_counter() - start)
        rows.append({"kind": "login", "clients": 1, "requests": len(logins), "errors": 0, **quantiles_ms(logins)})
        for kind in ("form", "api"):
            for level in levels:
                result, durations = _level(base, kind, people[:level], sessions[:level], per_client)
                rows.append({"kind": kind, "clients": level, **result, **quantiles_ms(durations)})
    return rows
