"""The commune of a site's address, through the national lookup (cnum.territories.lookup.find_commune).

National files of sites often write a locality or a shortened name ("Brive", "La Saline", "Meudon la forêt") or a
postal code of a neighbouring distribution office. When the lookup finds nothing (NOT_FOUND, never when AMBIGUOUS or
INVALID), three narrower readings are tried, in this order, each only when it designates exactly one commune, and
each reported as a correction (docs/sites-mapping.md, "Commune"):

1. the name is exactly that of one commune of the postal code's département, under another postal code;
2. among the communes of the postal code, one only has a name that, without its article, starts with the given
   name without its article ("Louhans" → Louhans-Châteaurenaud, "Kremlin-Bicêtre" → Le Kremlin-Bicêtre);
   Or the reverse: the given name starts with the name of one commune of the postal code, then something that is no
   letter ("LE LUC-EN-PROVENCE" → Le Luc, "SAINT-CHRISTOL-D'ALBION" → Saint-Christol, "ISOLA2000" → Isola;
   the longest name when several do);
   or the postal code is unknown to the COG but is the INSEE code of a commune that the name names
   ("PLAN-DU-VAR-LEVENS", 06075 → Levens);
3. the postal code serves one commune only, and the name is no commune's name anywhere in France: the name is read
   as a locality of that commune ("La Saline", 97422 → Saint-Paul);
4. the closest name among the communes of the postal code, then of its département, communes déléguées and
   associées (former names) included: typos, lost or doubled letters, "QAINT" for "SAINT"
   (`lookup.closest_commune`, rapidfuzz); rejected when two communes are equally close.

Anything else stays rejected with the lookup's reason.
"""

from dataclasses import replace

from cnum.territories.enums import LookupStatus
from cnum.territories.lookup import (
    LookupResult,
    closest_commune,
    commune_by_insee,
    commune_by_postal_code_and_name,
    find_commune,
    normalize_name,
)
from cnum.territories.models import PostalCode

ARTICLES = ("LE ", "LA ", "LES ", "L ")


def _without_article(name: str) -> str:
    for article in ARTICLES:
        if name.startswith(article):
            return name[len(article) :]
    return name


def _named_at_start(candidates, served: set[str], wanted: str) -> tuple[str, str] | None:
    """The commune of the postal code whose name (without article) the given name starts with, followed by
    something that is no letter ("LE LUC-EN-PROVENCE" → Le Luc, "ISOLA2000" → Isola); the longest when several
    do, None when two are equally long."""
    starting = {}
    for code, label in candidates:
        key = _without_article(normalize_name(label))
        rest = wanted[len(key) :]
        if code in served and wanted.startswith(key) and rest and not rest[0].isalpha():
            starting[code] = (label, len(key))
    if not starting:
        return None
    longest = max(length for _, length in starting.values())
    best = [(code, label) for code, (label, length) in starting.items() if length == longest]
    return best[0] if len(best) == 1 else None


def _corrected(result: LookupResult, note: str) -> LookupResult:
    return replace(result, status=LookupStatus.CORRECTED, notes=(note,))


def resolve_commune(*, insee=None, postal_code: str, name=None) -> LookupResult:
    """find_commune, then the narrower readings above when it finds nothing; the lookup's failure otherwise."""
    result = find_commune(insee=insee or None, postal_code=postal_code, name=name or None)
    if result.ok or result.status != LookupStatus.NOT_FOUND or not name:
        return result
    served = set(PostalCode.objects.filter(code=postal_code).values_list("commune__code", flat=True))
    elsewhere = [(code, label) for code, label in result.candidates if code not in served]
    if len(elsewhere) == 1:
        found = commune_by_insee(elsewhere[0][0])
        if found.ok:
            note = f"« {name} » n'est pas desservie par le code postal {postal_code} : commune retenue par son nom."
            return _corrected(found, note)
    wanted = _without_article(normalize_name(name))
    starting = {
        code: label
        for code, label in result.candidates
        if code in served and f"{_without_article(normalize_name(label))} ".startswith(f"{wanted} ")
    }
    if len(starting) == 1:
        code, label = starting.popitem()
        found = commune_by_insee(code)
        if found.ok:
            return _corrected(found, f"« {name} » lu comme le nom abrégé de {label} ({code}).")
    within = _named_at_start(result.candidates, served, wanted)
    if within is not None:
        code, label = within
        found = commune_by_insee(code)
        if found.ok:
            return _corrected(found, f"« {name} » lu comme {label} ({code}) suivi d'un lieu-dit ou d'une précision.")
    if not served and (as_insee := commune_by_insee(postal_code)).ok:
        if _without_article(normalize_name(as_insee.name)) in _without_article(normalize_name(name)):
            note = f"{postal_code} n'est pas un code postal mais le code INSEE de {as_insee.name} (« {name} »)."
            return _corrected(as_insee, note)
    only = commune_by_postal_code_and_name(postal_code=postal_code, name=None)
    if only.ok and find_commune(name=name).status == LookupStatus.NOT_FOUND:
        note = f"« {name} » lu comme un lieu-dit de {only.name}, seule commune du code postal {postal_code}."
        return _corrected(only, note)
    closest = closest_commune(postal_code=postal_code, name=name)
    if closest.ok:
        return closest
    if closest.status == LookupStatus.AMBIGUOUS:
        return replace(result, reason=f"{result.reason} {closest.reason}")
    return result
