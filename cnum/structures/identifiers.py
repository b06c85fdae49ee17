"""Identifiers of employer structures: SIRET, RIDET (New Caledonia) or RNA (unregistered associations).

`identify()` reads an identifier as people type it (spaces, dots, dashes, lower case) and returns its kind and
canonical form, or raises a ValidationError whose message says precisely what is wrong, in French.

Rules (DOMAIN.md "Structure types"):
- SIRET: 14 digits, the SIREN (9 digits) followed by the establishment number (NIC, 5 digits), Luhn checksum
  (INSEE). La Poste (SIREN 356000000) numbers its establishments differently: a SIRET is valid when the sum of its
  14 digits is a multiple of 5; its head office, 356 000 000 00048, passes the Luhn checksum like everyone else.
- SIREN: 9 digits, Luhn checksum.
  Both checksums, La Poste's rule included, are python-stdnum's (`stdnum.luhn`, `stdnum.fr.siret` for La Poste,
  `stdnum.fr.siren`): the one SIRET/SIREN check of the project (cnum.sites.normalization uses this module too).
  stdnum's full SIRET check also requires the SIREN's own key; it is not applied to other SIRETs yet, since the
  registry's test factories and fixtures build SIRETs whose SIREN key is wrong (to do: make them valid first).
- RIDET (Répertoire d'identification des entreprises et des établissements, ISEE New Caledonia): the RID (7 digits;
  older ones have 6, padded with a leading zero) and a 3-digit establishment number, written "1234567.001". It has
  no checksum. Stored as 10 digits.
- RNA (Répertoire national des associations): "W" followed by 9 letters or digits.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from cnum.structures.enums import IdentifierKind

LA_POSTE_SIREN = "356000000"
SIRET_LENGTH = 14
SIREN_LENGTH = 9
RIDET_LENGTH = 10

SEPARATORS = re.compile(r"[\s.\-_/]+")
# A RIDET written with its separator: RID of 6 or 7 digits, then the 3-digit establishment number.
WRITTEN_RIDET = re.compile(r"(?P<rid>\d{6,7})\s*[.\-/ ]\s*(?P<establishment>\d{3})")
# What a spreadsheet makes of a number stored as such: "35600000000048.0".
SPREADSHEET_NUMBER = re.compile(r"(?P<digits>\d+)\.0+")
RNA = re.compile(r"W[0-9A-Z]{9}")

EXPECTED = "SIRET (14 chiffres), RIDET (« 1234567.001 ») ou RNA (W suivi de 9 caractères)"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str

    def __str__(self) -> str:
        return self.value

    @property
    def display(self) -> str:
        return format_identifier(self.kind, self.value)


def format_identifier(kind: str, value: str) -> str:
    """How people write it: "356 000 000 00048", "1234567.001", "W751234567"."""
    if kind == IdentifierKind.SIRET and len(value) == SIRET_LENGTH:
        return f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}"
    if kind == IdentifierKind.RIDET and len(value) == RIDET_LENGTH:
        return f"{value[:7]}.{value[7:]}"
    return value


def normalize(value) -> str:
    """The identifier without spaces, dots, dashes or underscores, upper-cased ("w 751-234 567" → "W751234567")."""
    text = str(value or "").strip()
    match = SPREADSHEET_NUMBER.fullmatch(text)
    if match:
        text = match["digits"]
    return SEPARATORS.sub("", text).upper()


# --- checksums (python-stdnum) ------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    return digits.isdigit() and luhn.is_valid(digits)


def luhn_check_digit(prefix: str) -> str:
    """The digit that completes `prefix` into a Luhn-valid number."""
    return luhn.calc_check_digit(prefix)


# --- validators ---------------------------------------------------------------------------------------------


def _digits_only(label: str, text: str, expected: int) -> None:
    if not text:
        raise ValidationError(f"{label} manquant.", code="required")
    others = "".join(dict.fromkeys(char for char in text if not char.isdigit()))
    if others:
        raise ValidationError(
            f"{label} invalide : {expected} chiffres attendus, caractère(s) non numérique(s) « {others} » trouvé(s).",
            code="characters",
        )
    if len(text) != expected:
        raise ValidationError(f"{label} invalide : {expected} chiffres attendus, {len(text)} reçus.", code="length")


def validate_siret(value) -> str:
    """The SIRET as 14 digits, or ValidationError (length, characters, Luhn key; La Poste's rule, see module)."""
    siret = normalize(value)
    _digits_only("SIRET", siret, SIRET_LENGTH)
    if not (luhn_valid(siret) or (siret.startswith(LA_POSTE_SIREN) and stdnum_siret.is_valid(siret))):
        raise ValidationError(
            "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas. Vérifiez chaque chiffre.", code="checksum"
        )
    return siret


def validate_siren(value) -> str:
    """The SIREN as 9 digits, or ValidationError (length, characters, Luhn key)."""
    siren = normalize(value)
    _digits_only("SIREN", siren, SIREN_LENGTH)
    if not stdnum_siren.is_valid(siren):
        raise ValidationError(
            "SIREN invalide : la clé de contrôle (Luhn) ne correspond pas. Vérifiez chaque chiffre.", code="checksum"
        )
    return siren


def validate_ridet(value) -> str:
    """The RIDET as 10 digits (a 6-digit RID gets its leading zero back), or ValidationError."""
    text = str(value or "").strip()
    match = WRITTEN_RIDET.fullmatch(text)
    if match:
        return f"{match['rid']:0>7}{match['establishment']}"
    ridet = normalize(text)
    _digits_only("RIDET", ridet, RIDET_LENGTH)
    return ridet


def validate_rna(value) -> str:
    """The RNA number ("W" + 9 letters or digits), or ValidationError."""
    rna = normalize(value)
    if not rna:
        raise ValidationError("Numéro RNA manquant.", code="required")
    if not rna.startswith("W"):
        raise ValidationError("Numéro RNA invalide : il commence par la lettre W.", code="characters")
    if len(rna) != 10:
        raise ValidationError(
            f"Numéro RNA invalide : W suivi de 9 caractères attendu, {len(rna) - 1} reçus.", code="length"
        )
    if not RNA.fullmatch(rna):
        raise ValidationError(
            "Numéro RNA invalide : seuls des lettres et des chiffres suivent le W.", code="characters"
        )
    return rna


# --- which kind ---------------------------------------------------------------------------------------------


def identify(value) -> Identifier:
    """The kind and canonical value of a structure identifier, or ValidationError saying what is wrong.

    Starts with W: RNA. Written "1234567.001" or 10 digits: RIDET. Otherwise a SIRET is expected; a lone SIREN
    (9 digits) is refused with that reason, since a structure is an establishment.
    """
    text = str(value or "").strip()
    compact = normalize(text)
    if not compact:
        raise ValidationError(f"Identifiant manquant : {EXPECTED}.", code="required")
    if compact.startswith("W"):
        return Identifier(IdentifierKind.RNA, validate_rna(compact))
    if WRITTEN_RIDET.fullmatch(text) or (compact.isdigit() and len(compact) == RIDET_LENGTH):
        return Identifier(IdentifierKind.RIDET, validate_ridet(text))
    if compact.isdigit() and len(compact) == SIREN_LENGTH:
        raise ValidationError(
            "SIREN seul (9 chiffres) : indiquez le SIRET de l'établissement (14 chiffres : SIREN + NIC).",
            code="siren_only",
        )
    return Identifier(IdentifierKind.SIRET, validate_siret(compact))


def validate_identifier(value) -> None:
    """Django field validator form of identify()."""
    identify(value)
