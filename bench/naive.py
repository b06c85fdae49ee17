"""The naive path: the same scopes and periods computed live over the activities (indicators.summary over
scopes.activities), as the statistics did before the rollups."""

import datetime
import time

from bench.dashboards import PERIODS
from bench.server import quantiles_ms
from cnum.stats import indicators
from cnum.stats.scopes import Scope, activities


def run(*, scopes: dict[str, str], runs: int) -> list[dict]:
    rows = []
    for label, code in scopes.items():
        for period, (_, since, until) in PERIODS.items():
            since = since and datetime.date.fromisoformat(since)
            until = until and datetime.date.fromisoformat(until)
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                indicators.summary(activities(Scope.parse(code), since, until))
                timings.append(time.perf_counter() - start)
            rows.append({"scope": label, "code": code, "period": period, **quantiles_ms(timings)})
    return rows
