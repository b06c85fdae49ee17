"""Read activity values liberally (case, accents, punctuation, value or French label) and say precisely what failed.

Every parser returns None (or raises ValueError with a French message) rather than guessing.
"""

import datetime
import re

from django.db import models

from cnum.structures.importers.values import key

NULLS = frozenset({"", "null", "none", "nan", "n/a", "na", "-"})


def is_null(value: str) -> bool:
    return value.strip().lower() in NULLS


def choice_index(choices: type[models.TextChoices], **synonyms: str) -> dict[str, str]:
    """Comparison key → value, for the values, their labels and extra synonyms (synonym text → value)."""
    index = {key(choice.value): choice.value for choice in choices}
    index.update({key(choice.label): choice.value for choice in choices})
    index.update({key(text): value for text, value in synonyms.items()})
    return index


def parse_choice(value: str, index: dict[str, str], choices: type[models.TextChoices], what: str) -> str:
    """The enum value meant, or ValueError listing what is accepted."""
    found = index.get(key(value))
    if found is None:
        accepted = ", ".join(choices.values)
        raise ValueError(f"{what} « {value} » inconnu(e). Valeurs acceptées : {accepted}.")
    return found


def split_values(value: str) -> list[str]:
    """ "a|b", "a,b" and "{a,b}" (v1 arrays, items possibly quoted) give ["a", "b"]; null and empty give []."""
    text = value.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    items = (item.strip().strip('"').strip() for item in re.split(r"[|,;]", text))
    return list(dict.fromkeys(item for item in items if not is_null(item)))


def parse_choices(value: str, index, choices, what: str) -> list[str]:
    values, unknown = [], []
    for item in split_values(value):
        found = index.get(key(item))
        (values if found else unknown).append(found or item)
    if unknown:
        raise ValueError(
            f"{what} inconnu(e)(s) : {', '.join(unknown)}. Valeurs acceptées : {', '.join(choices.values)}."
        )
    return list(dict.fromkeys(values))


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y/%m/%d")


def parse_date(value: str) -> datetime.date:
    """ISO (a time part, as in "2022-03-15 10:00:00+00", is dropped) or dd/mm/yyyy."""
    text = value.strip()
    candidate = text[:10] if re.match(r"\d{4}-\d{2}-\d{2}[ T]", text) else text
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(candidate, date_format).date()
        except ValueError:
            continue
    raise ValueError(f"Date « {value} » illisible : AAAA-MM-JJ ou JJ/MM/AAAA attendu.")


def parse_count(value: str, what: str, maximum: int = 10_000) -> int:
    """A non-negative whole number; null and empty give 0."""
    text = value.strip()
    if is_null(text):
        return 0
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{what} « {value} » : un nombre entier est attendu.") from None
    if not number.is_integer() or number < 0 or number > maximum:
        raise ValueError(f"{what} « {value} » : un nombre entier entre 0 et {maximum} est attendu.")
    return int(number)


class Memo:
    """Parsers evaluated once per distinct text of a file (its rows repeat a few dates, durations and values): the
    result, or the French message of the ValueError, is kept for up to `size` distinct calls."""

    def __init__(self, size: int = 200_000):
        self.size, self.results = size, {}

    def __call__(self, parser, text: str, *args):
        return self.keyed((parser, text, *args), parser, text, *args)

    def keyed(self, key, parser, *args):
        """`parser(*args)`, kept under `key` (for arguments that are not hashable, such as look-up tables)."""
        found = self.results.get(key)
        if found is None:
            try:
                found = (parser(*args), None)
            except ValueError as error:
                found = (None, str(error))
            if len(self.results) < self.size:
                self.results[key] = found
        if found[1] is not None:
            raise ValueError(found[1])
        return found[0]
