"""Validators shared by the forms of several apps."""

import re

from django.core.exceptions import ValidationError

#: Overseas calling codes of French numbers (Réunion and Mayotte, Saint-Pierre-et-Miquelon, Guadeloupe and the
#: Antilles' collectivities, Guyane, Martinique, Wallis-et-Futuna, Nouvelle-Calédonie, Polynésie française).
OVERSEAS_CODES = ("262", "269", "508", "590", "594", "596", "681", "687", "689")
_SEPARATORS = re.compile(r"[\s.\-/()]")
_NATIONAL = re.compile(r"0[1-9]\d{8}")
_INTERNATIONAL = re.compile(r"\+33[1-9]\d{8}")
_OVERSEAS = re.compile(rf"\+(?:{'|'.join(OVERSEAS_CODES)})\d{{6,9}}")


def french_phone(value: str) -> str:
    """A French phone number written for people ("04 50 56 87 49", "+262 262 12 34 56"), or ValidationError.

    Accepted: ten digits starting with 0 (not 00), +33 followed by nine digits, or an overseas calling code followed
    by its number; spaces, dots, hyphens and brackets are ignored, and "0033" reads as "+33". One place on purpose:
    when the `phonenumbers` library is pinned, its validation replaces this one here alone."""
    digits = _SEPARATORS.sub("", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+330"):
        digits = "+33" + digits[4:]
    if _NATIONAL.fullmatch(digits):
        return " ".join(digits[index : index + 2] for index in range(0, 10, 2))
    if _INTERNATIONAL.fullmatch(digits):
        national = "0" + digits[3:]
        return " ".join(national[index : index + 2] for index in range(0, 10, 2))
    if _OVERSEAS.fullmatch(digits):
        return f"+{digits[1:4]} {digits[4:]}"
    raise ValidationError(
        "Numéro de téléphone français attendu : dix chiffres commençant par 0 (04 50 56 87 49) ou +33 suivi de "
        "neuf chiffres.",
        code="invalid_phone",
    )
