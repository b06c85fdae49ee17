"""Contact details and identifiers of a site, put into the form the national schema v1.0.2 requires.

Each function returns the normalized value, or raises `Unfixable` with a French reason: importers then drop the value
and warn, forms show the reason. Nothing is guessed: a phone number is only rewritten by the French numbering plan,
and an address or identifier that cannot be checked is refused.
"""

import re
import unicodedata

import ftfy
import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from cnum.sites import schema
from cnum.structures.identifiers import validate_siret

#: Where a number written in national form ("0590…") may belong, overseas first: "0262 …" is a valid number of the
#: metropolitan plan's digits too, but La Réunion's. Each is tried until phonenumbers finds the number valid.
PHONE_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "FR")
#: National prefixes of overseas numbers (ARCEP plan) and their region: such a number is never read as metropolitan,
#: and is kept when it has the right length even if phonenumbers does not know the range as allocated yet.
OVERSEAS = {
    **dict.fromkeys(("0590", "0690", "0691"), "GP"),
    **dict.fromkeys(("0594", "0694"), "GF"),
    **dict.fromkeys(("0596", "0696", "0697"), "MQ"),
    **dict.fromkeys(("0262", "0263", "0692", "0693"), "RE"),
    **dict.fromkeys(("0269", "0639"), "YT"),
}
SEPARATORS = re.compile(r"[\s.\-/()]")
MULTI_SPLIT = re.compile(r"[|;,\s]+")
URL_SPLIT = re.compile(r"[|;\s]+")
ZERO_PIVOT = re.compile(r"0+")
PIVOT = re.compile(r"[A-Za-z0-9]{9,14}")
_url_validator = URLValidator(schemes=["http", "https"])


class Unfixable(ValueError):
    """A value that cannot be put into the schema's form; the message (French) says why."""


def phone_pattern() -> re.Pattern:
    return schema.pattern("telephone")


def normalize_phone(value) -> str:
    """A phone number in the schema's international form: "04 50 56 87 49" → "+33450568749", "0590…" → "+590590…".

    Read by phonenumbers (Google's libphonenumber metadata): national form of metropolitan France or of an overseas
    territory (PHONE_REGIONS), international form ("+262 2 62…", "0033…", "+33 (0)…"). Raises Unfixable for a
    number the numbering plans do not allocate, or one the schema's pattern does not accept.
    """
    raw = str(value or "").strip()
    text = raw.replace("(0)", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    overseas = OVERSEAS.get(SEPARATORS.sub("", text)[:4])
    if overseas:
        number = phonenumbers.parse(text, overseas)
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_possible_number(number) and phone_pattern().fullmatch(formatted):
            return formatted
        raise Unfixable(f"Téléphone « {raw} » non reconnu : numéro à 10 chiffres ou au format +33… attendu.")
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            break
        if phonenumbers.is_valid_number(number):
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phone_pattern().fullmatch(formatted):
                return formatted
            break
    raise Unfixable(f"Téléphone « {raw} » non reconnu : numéro à 10 chiffres ou au format +33… attendu.")


def normalize_emails(value) -> list[str]:
    """Addresses separated by |, ; , or spaces. Raises Unfixable naming the first invalid one (the others are lost)."""
    emails = [item for item in MULTI_SPLIT.split(str(value or "").strip()) if item]
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            raise Unfixable(f"Courriel « {email} » invalide.") from None
    return list(dict.fromkeys(emails))


def split_emails(value) -> tuple[list[str], list[str]]:
    """(valid addresses, invalid ones), for importers that keep what they can."""
    valid, invalid = [], []
    for email in (item for item in MULTI_SPLIT.split(str(value or "").strip()) if item):
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(email)
        else:
            valid.append(email)
    return list(dict.fromkeys(valid)), invalid


def normalize_url(value) -> str:
    text = str(value or "").strip()
    try:
        _url_validator(text)
    except ValidationError:
        raise Unfixable(f"Adresse web « {text} » invalide (http:// ou https:// attendu).") from None
    return text


def split_urls(value) -> tuple[list[str], list[str]]:
    """(valid web addresses, invalid ones); several may be separated by |, ; or spaces."""
    valid, invalid = [], []
    for url in (item for item in URL_SPLIT.split(str(value or "").strip()) if item):
        try:
            valid.append(normalize_url(url))
        except Unfixable:
            invalid.append(url)
    return list(dict.fromkeys(valid)), invalid


def is_valid_siret(siret: str) -> bool:
    """The registry's SIRET rule (python-stdnum: Luhn key, or La Poste's digit sum): cnum.structures.identifiers."""
    try:
        return validate_siret(siret) == siret
    except ValidationError:
        return False


def normalize_pivot(value) -> str:
    """The pivot (SIRET, SIREN, RNA or RIDET) as the schema writes it, "" when unknown.

    "00000000000000" is the CnFS export's way of saying "unknown": it becomes "". A 14-digit value must be a real
    SIRET (checksum); anything else must match the schema's pattern ^[a-zA-Z0-9]{9,14}$. Raises Unfixable otherwise.
    """
    raw = str(value or "").strip()
    text = re.sub(r"\s", "", raw).upper()
    if not text or ZERO_PIVOT.fullmatch(text):
        return ""
    if re.fullmatch(r"\d{14}", text) and not is_valid_siret(text):
        raise Unfixable(f"SIRET « {raw} » invalide (clé de contrôle) : pivot laissé vide.")
    if not PIVOT.fullmatch(text):
        raise Unfixable(f"Pivot « {raw} » invalide (SIRET, SIREN, RNA ou RIDET attendu) : laissé vide.")
    return text


def fix_mojibake(text: str) -> str:
    """Mojibake undone by ftfy: UTF-8 read as Windows-1252 ("LÃ©guillon", even twice over) back to "Léguillon";
    text whose bytes prove no misreading is left as it is (ftfy changes nothing it cannot explain)."""
    return unicodedata.normalize("NFC", ftfy.fix_encoding(text))
