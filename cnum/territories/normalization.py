"""Pure helpers that put commune names, INSEE codes and postal codes as people type them into one canonical form.

They never look anything up: `cnum.territories.lookup` does, on top of them.
"""

import re
import unicodedata

# Letters NFKD does not decompose.
LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"})
# La Poste and most address files abbreviate these words.
ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
# "Abergement-Clémenciat (L')", the way older INSEE files wrote articles.
TRAILING_ARTICLE = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<article>l'|l’|le|la|les)\s*\)\s*$", re.IGNORECASE)
WORD = re.compile(r"[A-Z0-9]+")
INSEE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
SPREADSHEET_NUMBER = re.compile(r"(?P<digits>\d+)\.0+")


def normalize_name(value: str) -> str:
    """Canonical form of a place name: upper-case ASCII words separated by one space.

    Case, accents and punctuation do not matter (hyphens, apostrophes and dots separate words), "ST"/"STE" read
    as "SAINT"/"SAINTE", and a trailing article in brackets moves to the front: "Abergement-Clémenciat (L')",
    "L'ABERGEMENT CLEMENCIAT" and "l abergement-clémenciat" all give "L ABERGEMENT CLEMENCIAT".
    """
    text = (value or "").strip()
    match = TRAILING_ARTICLE.match(text)
    if match:
        text = f"{match['article']} {match['name']}"
    text = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char)).upper()
    return " ".join(ABBREVIATIONS.get(word, word) for word in WORD.findall(text))


def compact_code(value) -> str:
    """The value as typed, without spaces, and without the ".0" a spreadsheet adds to numbers."""
    if value is None:
        return ""
    text = re.sub(r"\s+", "", str(value)).upper()
    match = SPREADSHEET_NUMBER.fullmatch(text)
    return match["digits"] if match else text


def normalize_insee(value) -> str | None:
    """The INSEE code as five characters ("01001", "2A004"), or None when it cannot be one.

    Spreadsheets drop the leading zero of codes read as numbers: four digits get it back ("1001" → "01001").
    """
    text = compact_code(value)
    if text.isdigit() and len(text) == 4:
        text = f"0{text}"
    return text if INSEE_CODE.fullmatch(text) else None


def normalize_postal_code(value) -> str | None:
    """The postal code as five digits, or None when it cannot be one. A lost leading zero comes back ("1000")."""
    text = compact_code(value)
    if not text.isdigit() or len(text) not in (4, 5):
        return None
    return text.zfill(5)


def departement_codes_for_postal_code(postal_code: str) -> tuple[str, ...]:
    """The département(s) a postal code's prefix points to: 2 digits, 3 overseas (97x, 98x), Corsica's 20 is 2A or 2B.

    Only a guess: a few communes have a postal code of the neighbouring département.
    """
    if postal_code.startswith("20"):
        return ("2A", "2B")
    if postal_code.startswith(("97", "98")):
        return (postal_code[:3],)
    return (postal_code[:2],)
