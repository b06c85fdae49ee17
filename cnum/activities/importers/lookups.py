"""Cached look-ups importers share: communes (territories.lookup), sites, advisors and the structure employing them.

Caches hold one entry per distinct value met (communes, sites, advisors), not per row, so memory stays bounded by
the reference data, not by the file.
"""

import datetime
from functools import lru_cache

from cnum.activities.importers.pipeline import RowRejected
from cnum.advisors.models import Advisor, Contract
from cnum.sites.models import Site
from cnum.territories.lookup import find_commune


class Lookups:
    def __init__(self):
        self.commune = lru_cache(maxsize=50_000)(self._commune)
        self.site_exists = lru_cache(maxsize=50_000)(self._site_exists)
        self.advisor = lru_cache(maxsize=50_000)(self._advisor)
        self.contracts = lru_cache(maxsize=50_000)(self._contracts)

    @staticmethod
    def _commune(insee: str, postal_code: str, name: str) -> tuple[int | None, str]:
        """(commune id, "") or (None, the French reason)."""
        result = find_commune(insee=insee or None, postal_code=postal_code or None, name=name or None)
        if result is None or not result.ok:
            reason = result.reason if result is not None else "commune introuvable."
            return None, f"Commune non retenue ({' '.join(filter(None, (insee, postal_code, name)))}) : {reason}"
        return result.commune_id, ""

    @staticmethod
    def _site_exists(pk: int) -> bool:
        return Site.objects.filter(pk=pk).exists()

    @staticmethod
    def _advisor(email: str) -> int | None:
        return Advisor.objects.filter(email=email.strip().lower()).values_list("pk", flat=True).first()

    @staticmethod
    def _contracts(advisor_id: int) -> tuple[tuple[datetime.date, datetime.date | None, int], ...]:
        rows = (
            Contract.objects.filter(advisor_id=advisor_id)
            .order_by("-start")
            .values_list("start", "end", "structure_id")
        )
        return tuple(rows)

    def structure_of(self, advisor_id: int, day: datetime.date) -> int:
        """The structure employing the advisor on `day`; failing that, that of their latest contract."""
        contracts = self.contracts(advisor_id)
        if not contracts:
            raise RowRejected(["Le conseiller n'a aucun contrat : sa structure employeuse est inconnue."])
        for start, end, structure_id in contracts:
            if start <= day and (end is None or day <= end):
                return structure_id
        return contracts[0][2]
