"""A simulation's tables, built once and shown on the page or written to CSV and XLSX: départements by name, the
structures losing posts. The page shows them a page at a time; the files hold every row."""

import datetime
from dataclasses import dataclass

from cnum.territories.models import Departement

NO_DEPARTEMENT = "Sans département"


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list]  # cells for the files
    links: list[int | None]  # the structure each row is about, for the page (None: no link)


def departement_names(codes) -> dict[str, str]:
    """Code → "Rhône (69)", in one query."""
    return {code: str(departement) for code, departement in Departement.objects.in_bulk(list(codes)).items()}


def simulation_tables(results: dict) -> dict[str, Table]:
    codes = set(results["by_departement"]) | {row["departement"] for row in results["structures_unfunded"]}
    names = departement_names(code for code in codes if code)

    def name(code: str) -> str:
        return names.get(code, code) if code else NO_DEPARTEMENT

    departements = Table(
        title="Postes financés et non financés par département",
        headers=["Département", "Postes financés", "Postes non financés", "Coût (€)", "Besoin (€)"],
        rows=[
            [name(code), row["funded"], row["unfunded"], row["cost"], row["demand"]]
            for code, row in results["by_departement"].items()
        ],
        links=[None] * len(results["by_departement"]),
    )
    structures = Table(
        title="Structures perdant des postes",
        headers=["Structure", "Département", "Postes perdus", "Postes gardés"],
        rows=[
            [row["name"], name(row["departement"]), row["lost"], row["kept"]] for row in results["structures_unfunded"]
        ],
        links=[row["id"] for row in results["structures_unfunded"]],
    )
    return {"departements": departements, "structures": structures}


def french_date(iso: str) -> str:
    """ "2025-12-31" → "31/12/2025" (saved scenarios keep ISO dates in their JSON)."""
    return f"{datetime.date.fromisoformat(iso):%d/%m/%Y}"
