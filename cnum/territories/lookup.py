"""Find the commune a file or a form means, from its INSEE code, or its postal code and name.

Every importer goes through here, so that one set of rules decides what is a match, what needed a correction (and
says which), and what stays ambiguous or unknown: a guess is never made silently.

The functions read an in-memory index of the communes (about 37,600 rows, a few MB), built from the database on
first use and kept for the life of the process; `reset_index()` drops it (tests, and after `load_territories`).
"""

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from rapidfuzz import fuzz

from cnum.territories.enums import CommuneKind, LookupStatus
from cnum.territories.models import Commune, PostalCode
from cnum.territories.normalization import (
    compact_code,
    departement_codes_for_postal_code,
    normalize_insee,
    normalize_name,
    normalize_postal_code,
)

__all__ = [
    "LookupResult",
    "LookupStatus",
    "commune_by_insee",
    "closest_commune",
    "commune_by_postal_code_and_name",
    "find_commune",
    "normalize_insee",
    "normalize_name",
    "normalize_postal_code",
    "reset_index",
    "search_communes",
]

# Names that designate a commune by themselves; communes déléguées and associées lead to their current commune.
DIRECT_KINDS = frozenset({CommuneKind.CURRENT, CommuneKind.MUNICIPAL_ARRONDISSEMENT})
# "PARIS 15E", "MARSEILLE 1ER ARRONDISSEMENT", "LYON 03", "Paris 15ème" once normalized.
ARRONDISSEMENT = re.compile(
    r"(?P<city>[A-Z ]+?) 0?(?P<number>\d{1,2}) ?(?:ER|ERE|E|EME|IEME|ND|NDE)?(?: (?:ARRONDISSEMENT|ARRDT|ARRT|ARR))?"
)
CEDEX = re.compile(r"(?:^| )CEDEX(?: ?\d+)?$")
ARTICLES = re.compile(r"^(?:LE|LA|LES|L) ")
#: rapidfuzz ratio (0-100) a name must reach to designate a commune it does not spell exactly.
CLOSE_ENOUGH = 85
SUGGESTIONS_IN_REASON = 10


@dataclass(frozen=True)
class LookupResult:
    status: LookupStatus
    commune_id: int | None = None
    code: str = ""
    name: str = ""
    notes: tuple[str, ...] = ()  # what was corrected or inferred, in French
    reason: str = ""  # why nothing was found, in French (AMBIGUOUS, NOT_FOUND, INVALID)
    candidates: tuple[tuple[str, str], ...] = ()  # (code, name): the possible communes, or suggestions

    @property
    def ok(self) -> bool:
        return self.status in (LookupStatus.FOUND, LookupStatus.CORRECTED)

    @cached_property
    def commune(self) -> Commune | None:
        if self.commune_id is None:
            return None
        return Commune.objects.select_related("parent").get(pk=self.commune_id)


# --- the index ----------------------------------------------------------------------------------------------


class _Entry(NamedTuple):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    departement: str


@dataclass(frozen=True)
class _Index:
    entries: dict[int, _Entry]
    by_code: dict[str, list[int]]
    by_former_code: dict[str, int]
    by_postal_code: dict[str, list[int]]  # communes and arrondissements listed under the postal code
    names_by_postal_code: dict[str, dict[str, list[int]]]  # also communes déléguées, under their parent's codes
    names_by_departement: dict[str, dict[str, list[int]]]
    names: dict[str, list[int]]
    postal_codes_of: dict[int, list[str]]  # current communes and arrondissements → their postal codes, sorted
    #: (postal code, name) as given → `commune_by_postal_code_and_name`'s result, for up to PLACES_KEPT of them: a
    #: file names the same few thousand postal codes again and again (a code serving several communes lists them all
    #: in its reason, sorted by name).
    places: dict[tuple, "LookupResult"] = field(default_factory=dict, compare=False)

    def municipality(self, entry: _Entry) -> _Entry:
        return self.entries[entry.parent_id] if entry.parent_id else entry


_index: _Index | None = None
PLACES_KEPT = 100_000
_index_lock = threading.Lock()


def reset_index() -> None:
    """Forget the index; the next lookup rebuilds it from the database."""
    global _index
    with _index_lock:
        _index = None


def _get_index() -> _Index:
    global _index
    with _index_lock:
        if _index is None:
            _index = _build_index()
        return _index


def _build_index() -> _Index:
    rows = Commune.objects.values_list("id", "code", "name", "kind", "parent_id", "departement_id")
    entries = {row[0]: _Entry(*row) for row in rows}
    by_code, by_postal_code = defaultdict(list), defaultdict(list)
    names, names_by_departement = defaultdict(list), defaultdict(lambda: defaultdict(list))
    keys_of = {entry.id: _keys(normalize_name(entry.name)) for entry in entries.values()}
    for entry in entries.values():
        by_code[entry.code].append(entry.id)
        for key in keys_of[entry.id]:
            names[key].append(entry.id)
            names_by_departement[entry.departement][key].append(entry.id)
    postal_codes_of = defaultdict(list)
    for code, commune_id in PostalCode.objects.values_list("code", "commune_id"):
        by_postal_code[code].append(commune_id)
        postal_codes_of[commune_id].append(code)
    names_by_postal_code = defaultdict(lambda: defaultdict(list))
    for entry in entries.values():
        for code in postal_codes_of[entry.id if entry.kind in DIRECT_KINDS else entry.parent_id]:
            for key in keys_of[entry.id]:
                names_by_postal_code[code][key].append(entry.id)
    by_former_code = {
        former: commune_id
        for commune_id, former_codes in Commune.objects.exclude(former_codes="").values_list("id", "former_codes")
        for former in former_codes.split("|")
    }
    return _Index(
        entries=entries,
        by_code=dict(by_code),
        by_former_code=by_former_code,
        by_postal_code=dict(by_postal_code),
        names_by_postal_code=dict(names_by_postal_code),
        names_by_departement=dict(names_by_departement),
        names=dict(names),
        postal_codes_of={commune_id: sorted(codes) for commune_id, codes in postal_codes_of.items()},
    )


def _keys(normalized: str) -> list[str]:
    """Keys a normalized name matches, most precise first: its arrondissement ("PARIS#15"), then the name with no
    spaces at all, so that "SAINT-ETIENNE", "ST ETIENNE" and "SAINTETIENNE" meet."""
    keys = []
    match = ARRONDISSEMENT.fullmatch(normalized)
    if match:
        keys.append(f"{match['city'].replace(' ', '')}#{int(match['number'])}")
    keys.append(normalized.replace(" ", ""))
    return keys


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def _find(names: dict[str, list[int]], keys: list[str]) -> list[int]:
    for key in keys:
        if key in names:
            return names[key]
    return []


# --- results ------------------------------------------------------------------------------------------------


def _found(entry: _Entry, corrections: list[str], remarks: tuple[str, ...] = ()) -> LookupResult:
    """FOUND, or CORRECTED when the input needed corrections; remarks inform without changing the status."""
    return LookupResult(
        status=LookupStatus.CORRECTED if corrections else LookupStatus.FOUND,
        commune_id=entry.id,
        code=entry.code,
        name=entry.name,
        notes=(*corrections, *remarks),
    )


def _failure(status: LookupStatus, reason: str, candidates: list[_Entry] = ()) -> LookupResult:
    return LookupResult(status=status, reason=reason, candidates=tuple((e.code, e.name) for e in candidates))


def _by_name(entry: _Entry) -> str:
    return normalize_name(entry.name)


def _designated(index: _Index, entry: _Entry) -> _Entry:
    """The commune a name designates: itself, or the current commune of a commune déléguée or associée."""
    return entry if entry.kind in DIRECT_KINDS else index.municipality(entry)


def _listing(entries: list[_Entry]) -> str:
    shown = ", ".join(f"{entry.name} ({entry.code})" for entry in entries[:SUGGESTIONS_IN_REASON])
    more = len(entries) - SUGGESTIONS_IN_REASON
    return f"{shown} et {more} autre(s)" if more > 0 else shown


def _resolve(index: _Index, ids: list[int], *, label: str, where: str, corrections: list[str]) -> LookupResult:
    """The one commune the matching names designate, or AMBIGUOUS.

    A current commune or an arrondissement named as such wins over a commune déléguée of the same name; a commune
    déléguée or associée leads to its current commune, which is a correction worth a note.
    """
    matches = [index.entries[commune_id] for commune_id in dict.fromkeys(ids)]
    direct = [entry for entry in matches if entry.kind in DIRECT_KINDS]
    targets = list({entry.id: entry for entry in direct or [index.municipality(e) for e in matches]}.values())
    if len(targets) > 1:
        targets.sort(key=lambda entry: entry.code)
        reason = f"« {label} » désigne {len(targets)} communes{where} : {_listing(targets)}. Précisez le code INSEE."
        return _failure(LookupStatus.AMBIGUOUS, reason, targets)
    if not direct:
        entry, target = matches[0], targets[0]
        kind = CommuneKind(entry.kind).label.lower()
        corrections = [
            *corrections,
            f"{entry.name} est une {kind}, rattachée à la commune {target.name} ({target.code}).",
        ]
    return _found(targets[0], corrections)


# --- by INSEE code ------------------------------------------------------------------------------------------


def commune_by_insee(code) -> LookupResult:
    """The commune of an INSEE code.

    A lost leading zero is put back; the code of a commune déléguée or associée, or a former code (anciens codes
    of the COG), leads to today's commune. Each of these is a correction, with a note. An arrondissement code
    (13211) gives the arrondissement, whose `.municipality` is the city.
    """
    if _blank(code):
        return _failure(LookupStatus.INVALID, "Code INSEE manquant.")
    index = _get_index()
    normalized = normalize_insee(code)
    if normalized is None:
        reason = f"Code INSEE « {code} » invalide : 5 caractères attendus (chiffres, ou 2A/2B suivi de 3 chiffres)."
        return _failure(LookupStatus.INVALID, reason)
    corrections = []
    if normalized != compact_code(code):
        corrections.append(f"Code INSEE complété par un zéro initial : « {code} » → {normalized}.")
    entries = [index.entries[commune_id] for commune_id in index.by_code.get(normalized, ())]
    direct = [entry for entry in entries if entry.kind in DIRECT_KINDS]
    if direct:
        return _found(direct[0], corrections)
    if entries:
        entry, parent = entries[0], index.municipality(entries[0])
        kind = CommuneKind(entry.kind).label.lower()
        corrections.append(
            f"{normalized} est le code de {entry.name}, {kind} rattachée à la commune {parent.name} ({parent.code})."
        )
        return _found(parent, corrections)
    if normalized in index.by_former_code:
        target = index.entries[index.by_former_code[normalized]]
        corrections.append(f"{normalized} est un ancien code INSEE de la commune {target.name} ({target.code}).")
        return _found(target, corrections)
    return _failure(LookupStatus.NOT_FOUND, f"Aucune commune de code INSEE {normalized} dans le COG.")


# --- by postal code and name --------------------------------------------------------------------------------


def _clean_name(name) -> str:
    """Normalized name without the CEDEX mention La Poste adds ("LYON CEDEX 03" → "LYON")."""
    return CEDEX.sub("", normalize_name(name or "")).strip()


def commune_by_postal_code_and_name(*, postal_code, name) -> LookupResult:
    """The commune of a postal code and a name, as written on an address.

    The name is compared once normalized (case, accents, punctuation, ST/SAINT, a trailing CEDEX), and arrondissements
    may be written "PARIS 15E" or "Marseille 1er arrondissement". A lost leading zero of the postal code is put
    back. A postal code unknown to the COG (typically a CEDEX code) is replaced by its département, with a note.
    No name, or a name that matches nothing, never yields a guess: the communes of the postal code are suggested.
    """
    if _blank(postal_code):
        return _failure(LookupStatus.INVALID, "Code postal manquant.")
    index = _get_index()
    key = (postal_code, name)
    found = index.places.get(key)
    if found is None:
        found = _by_postal_code_and_name(index, postal_code, name)
        if len(index.places) < PLACES_KEPT:
            index.places[key] = found
    return found


def _by_postal_code_and_name(index: _Index, postal_code, name) -> LookupResult:
    code = normalize_postal_code(postal_code)
    if code is None:
        return _failure(LookupStatus.INVALID, f"Code postal « {postal_code} » invalide : 5 chiffres attendus.")
    corrections = []
    if code != compact_code(postal_code):
        corrections.append(f"Code postal complété par un zéro initial : « {postal_code} » → {code}.")
    cleaned = _clean_name(name)
    if not cleaned:
        return _by_postal_code_only(index, code, corrections)
    if code not in index.names_by_postal_code:
        return _by_departement_of_postal_code(index, code, name, cleaned, corrections)
    ids = _find(index.names_by_postal_code[code], _keys(cleaned))
    if ids:
        return _resolve(index, ids, label=name, where=f" pour le code postal {code}", corrections=corrections)
    return _not_in_postal_code(index, code, name, cleaned)


def _by_postal_code_only(index: _Index, code: str, corrections: list[str]) -> LookupResult:
    entries = [index.entries[commune_id] for commune_id in index.by_postal_code.get(code, ())]
    if not entries:
        return _failure(LookupStatus.NOT_FOUND, f"Code postal {code} inconnu du COG, et aucun nom de commune donné.")
    municipalities = {index.municipality(entry).id for entry in entries}
    if len(municipalities) > 1:
        entries.sort(key=_by_name)
        reason = f"Le code postal {code} dessert {len(entries)} communes : {_listing(entries)}. Précisez le nom."
        return _failure(LookupStatus.AMBIGUOUS, reason, entries)
    arrondissements = [entry for entry in entries if entry.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT]
    target = arrondissements[0] if len(arrondissements) == 1 else index.entries[municipalities.pop()]
    return _found(target, corrections, remarks=(f"Commune déduite du seul code postal {code}.",))


def _by_departement_of_postal_code(index: _Index, code: str, name, cleaned: str, corrections: list[str]):
    """A postal code the COG does not list (CEDEX, special codes): look for the name in the code's département."""
    departements = [dep for dep in departement_codes_for_postal_code(code) if dep in index.names_by_departement]
    if not departements:
        return _failure(LookupStatus.NOT_FOUND, f"Code postal {code} inconnu : aucun département ne lui correspond.")
    label = " ou ".join(departements)
    ids = [commune_id for dep in departements for commune_id in _find(index.names_by_departement[dep], _keys(cleaned))]
    if not ids:
        reason = f"Code postal {code} absent du COG, et aucune commune « {name} » dans le département {label}."
        return _failure(LookupStatus.NOT_FOUND, reason)
    note = (
        f"Code postal {code} absent du COG (code CEDEX ?) : commune cherchée par son nom dans le département {label}."
    )
    return _resolve(index, ids, label=name, where=f" dans le département {label}", corrections=[*corrections, note])


def _not_in_postal_code(index: _Index, code: str, name, cleaned: str) -> LookupResult:
    """NOT_FOUND, suggesting the communes of the postal code, then those of that name in its département."""
    served = sorted((index.entries[i] for i in index.by_postal_code.get(code, ())), key=_by_name)
    reason = f"Aucune commune « {name} » pour le code postal {code}. Communes de ce code postal : {_listing(served)}."
    elsewhere = [
        _designated(index, index.entries[commune_id])
        for dep in departement_codes_for_postal_code(code)
        for commune_id in _find(index.names_by_departement.get(dep, {}), _keys(cleaned))
    ]
    elsewhere = list({entry.id: entry for entry in elsewhere}.values())
    if elsewhere:
        reason += f" Commune(s) de ce nom dans le département, sous un autre code postal : {_listing(elsewhere)}."
    return _failure(LookupStatus.NOT_FOUND, reason, served + elsewhere)


def _by_name_only(index: _Index, name) -> LookupResult:
    cleaned = _clean_name(name)
    if not cleaned:
        return _failure(LookupStatus.INVALID, f"Nom de commune « {name} » vide ou illisible.")
    ids = _find(index.names, _keys(cleaned))
    if not ids:
        return _failure(LookupStatus.NOT_FOUND, f"Aucune commune « {name} » dans le COG.")
    result = _resolve(index, ids, label=name, where=" en France", corrections=[])
    if not result.ok:
        return result
    return replace(result, notes=(*result.notes, "Commune trouvée par son seul nom."))


# --- everything at once -------------------------------------------------------------------------------------


def find_commune(*, insee=None, postal_code=None, name=None) -> LookupResult:
    """The commune that an INSEE code, a postal code and a name designate, whichever of them are given.

    The INSEE code comes first. When the postal code and name designate another commune, the result is AMBIGUOUS
    and the reason says what each designates; when they designate nothing, the INSEE result stands with a note.
    An invalid or unknown INSEE code gives way to the postal code and name, with a note. A name alone is looked
    up in all of France.
    """
    if _blank(insee) and _blank(postal_code) and _blank(name):
        return _failure(LookupStatus.INVALID, "Ni code INSEE, ni code postal, ni nom de commune.")
    index = _get_index()
    by_place = None
    if not _blank(postal_code):
        by_place = commune_by_postal_code_and_name(postal_code=postal_code, name=name)
    elif not _blank(name):
        by_place = _by_name_only(index, name)
    if _blank(insee):
        return by_place
    by_code = commune_by_insee(insee)
    if by_place is None:
        return by_code
    return _reconcile(index, by_code, by_place, place=_describe_place(postal_code, name))


def _describe_place(postal_code, name) -> str:
    if _blank(postal_code):
        return f"le nom « {name} »"
    if _blank(name):
        return f"le code postal {postal_code}"
    return f"le code postal {postal_code} et le nom « {name} »"


def _reconcile(index: _Index, by_code: LookupResult, by_place: LookupResult, *, place: str) -> LookupResult:
    """Combine what the INSEE code and what the place designate (see find_commune)."""
    if by_code.ok and by_place.ok:
        code_town = index.municipality(index.entries[by_code.commune_id])
        place_town = index.municipality(index.entries[by_place.commune_id])
        if code_town.id == place_town.id:
            notes = tuple(dict.fromkeys(by_code.notes + by_place.notes))
            corrected = LookupStatus.CORRECTED in (by_code.status, by_place.status)
            return replace(by_code, notes=notes, status=_status(corrected))
        reason = (
            f"Le code INSEE {by_code.code} désigne {by_code.name}, mais d'après {place}, "
            f"il s'agit de {by_place.name} ({by_place.code})."
        )
        candidates = ((by_code.code, by_code.name), (by_place.code, by_place.name))
        return LookupResult(status=LookupStatus.AMBIGUOUS, reason=reason, candidates=candidates)
    if by_code.ok:
        if by_place.status == LookupStatus.AMBIGUOUS and (by_code.code, by_code.name) in by_place.candidates:
            return by_code
        return replace(by_code, notes=(*by_code.notes, f"Vérification par {place} sans succès : {by_place.reason}"))
    if by_place.ok:
        note = f"Code INSEE écarté. {by_code.reason} Commune trouvée par {place}."
        return replace(by_place, notes=(*by_place.notes, note), status=LookupStatus.CORRECTED)
    status = LookupStatus.AMBIGUOUS if by_place.status == LookupStatus.AMBIGUOUS else by_code.status
    return LookupResult(status=status, reason=f"{by_code.reason} {by_place.reason}", candidates=by_place.candidates)


def _status(corrected: bool) -> LookupStatus:
    return LookupStatus.CORRECTED if corrected else LookupStatus.FOUND


# --- suggestions as one types --------------------------------------------------------------------------------

SUGGESTIONS = 10


@dataclass(frozen=True)
class Suggestion:
    commune_id: int
    code: str
    name: str
    postal_code: str
    departement: str

    @property
    def label(self) -> str:
        """What a form shows and reads back (`commune_from_label`): "Villeurbanne (69100)"."""
        return f"{self.name} ({self.postal_code})" if self.postal_code else f"{self.name} ({self.code})"


def search_communes(text: str, *, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The current communes and arrondissements whose name starts with `text` (compared once normalized: case,
    accents, hyphens, SAINT/ST), or whose postal code or INSEE code starts with its digits; exact matches first,
    then the shortest names. For a form's autocompletion: a person types "villeur" or "69100"."""
    cleaned = (text or "").strip()
    if len(cleaned) < 2:
        return []
    index = _get_index()
    if cleaned.isdigit():
        found = _by_code_prefix(index, cleaned)
    else:
        prefix = normalize_name(cleaned).replace(" ", "")
        matching = [
            (key, commune_id) for key, ids in index.names.items() if key.startswith(prefix) for commune_id in ids
        ]
        found = {
            commune_id: ""
            for key, commune_id in sorted(matching, key=lambda pair: (pair[0] != prefix, len(pair[0]), pair[0]))
            if index.entries[commune_id].kind in DIRECT_KINDS
        }
    return [_suggestion(index, commune_id, postal_code) for commune_id, postal_code in list(found.items())[:limit]]


def _by_code_prefix(index: _Index, digits: str) -> dict[int, str]:
    """Commune id → the postal code that matched ("" when the INSEE code did), in postal-code order."""
    found: dict[int, str] = {}
    for code in sorted(code for code in index.by_postal_code if code.startswith(digits)):
        for commune_id in sorted(index.by_postal_code[code], key=lambda pk: index.entries[pk].name):
            found.setdefault(commune_id, code)
    if len(digits) == 5:
        for commune_id in index.by_code.get(digits, ()):
            if index.entries[commune_id].kind in DIRECT_KINDS:
                found.setdefault(commune_id, "")
    return found


def _suggestion(index: _Index, commune_id: int, postal_code: str) -> Suggestion:
    entry = index.entries[commune_id]
    postal_code = postal_code or next(iter(index.postal_codes_of.get(commune_id, ())), "")
    return Suggestion(commune_id, entry.code, entry.name, postal_code, entry.departement)


LABEL = re.compile(r"(?P<name>.+?)\s*\((?P<code>\d[\dAB]\d{3})\)")


def commune_label(commune_id: int) -> str:
    """The label `search_communes` gives a commune, for a form showing a recorded one."""
    return _suggestion(_get_index(), commune_id, "").label


def commune_from_label(text: str) -> LookupResult:
    """The commune a person chose or typed: a suggestion's label ("Villeurbanne (69100)"), a postal code alone
    when it has one commune, an INSEE code, or a name alone when it is unique in France."""
    cleaned = (text or "").strip()
    match = LABEL.fullmatch(cleaned)
    if match:
        if match["code"].isdigit():
            by_place = commune_by_postal_code_and_name(postal_code=match["code"], name=match["name"])
            if by_place.ok:
                return by_place
        return find_commune(insee=match["code"], name=match["name"])
    if len(cleaned) == 5 and cleaned.isdigit():
        by_postal_code = commune_by_postal_code_and_name(postal_code=cleaned, name="")
        if by_postal_code.ok or by_postal_code.candidates:
            return by_postal_code
        return commune_by_insee(cleaned)
    return find_commune(name=cleaned)


# --- a name that is no commune's name: the closest one ------------------------------------------------------


def _compact(name: str) -> str:
    """Normalized (accents, case, ST/SAINT), without leading article, CEDEX or spaces: what fuzzy matching compares."""
    return ARTICLES.sub("", _clean_name(name)).replace(" ", "")


def _pools(index: _Index, code: str) -> list[tuple[str, list[_Entry]]]:
    """Where to look, narrowest first: the names listed under the postal code (communes déléguées and associées
    included), then those of its département(s)."""
    pools = []
    if code in index.names_by_postal_code:
        ids = {commune_id for ids in index.names_by_postal_code[code].values() for commune_id in ids}
        pools.append((f"du code postal {code}", [index.entries[commune_id] for commune_id in sorted(ids)]))
    departements = [dep for dep in departement_codes_for_postal_code(code) if dep in index.names_by_departement]
    ids = {i for dep in departements for ids in index.names_by_departement[dep].values() for i in ids}
    if ids:
        pools.append((f"du département {' ou '.join(departements)}", [index.entries[i] for i in sorted(ids)]))
    return pools


def closest_commune(*, postal_code, name) -> LookupResult:
    """The commune whose name is closest to `name` (typos, lost letters, "QAINT" for "SAINT"), looked for among the
    communes of the postal code, then of its département; a commune déléguée or associée (a former name) leads to
    its current commune. CORRECTED with a note naming the commune chosen and how close it is; AMBIGUOUS when two
    communes are equally close; NOT_FOUND when none reaches CLOSE_ENOUGH (rapidfuzz ratio, 0-100)."""
    code = normalize_postal_code(postal_code)
    wanted = _compact(name or "")
    if code is None or len(wanted) < 3:
        return _failure(LookupStatus.NOT_FOUND, f"Aucune commune proche de « {name} ».")
    index = _get_index()
    for where, entries in _pools(index, code):
        scores: dict[int, tuple[float, _Entry]] = {}
        for entry in entries:
            score = fuzz.ratio(wanted, _compact(entry.name))
            target = _designated(index, entry)
            if score > scores.get(target.id, (-1.0, entry))[0]:
                scores[target.id] = (score, entry)
        ranked = sorted(scores.items(), key=lambda item: -item[1][0])
        if not ranked or ranked[0][1][0] < CLOSE_ENOUGH:
            continue
        (best_id, (best, named)), *others = ranked
        ties = [index.entries[target_id] for target_id, (score, _e) in others if round(score) == round(best)]
        if ties:
            tied = [index.entries[best_id], *ties]
            reason = f"« {name} » est aussi proche de {_listing(tied)}, communes {where}."
            reason += " Précisez le nom ou le code INSEE."
            return _failure(LookupStatus.AMBIGUOUS, reason, tied)
        target = index.entries[best_id]
        former = f" (nom de {named.name}, rattachée)" if named.id != target.id else ""
        note = (
            f"« {name} » n'est le nom d'aucune commune : lu comme {target.name} ({target.code}){former}, "
            f"la commune {where} au nom le plus proche (ressemblance {round(best)} %)."
        )
        return _found(target, [note])
    return _failure(LookupStatus.NOT_FOUND, f"Aucune commune proche de « {name} » pour le code postal {code}.")
