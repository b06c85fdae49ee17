"""Opening hours written as French text, read into OpenStreetMap syntax when, and only when, every word is understood.

Third-party files write hours for people: "lundi 9h-12h / 14h-17h", "du lundi au vendredi de 9h à 12h et de 14h à 17h",
"Lu-Ve 09:00-12:00", "mardi et jeudi : 14h-18h ; samedi fermé". The text is read as a sequence of clauses, each a
selection of days (a day, a range "du … au …" / "…-…", a list "…, … et …") followed by time spans ("9h-12h",
"de 9h à 12h", "09:00-12:00", joined by "/", "et" or ","), or by "fermé". A word that is not a day, a time or one of
these link words makes the whole text unreadable: nothing is guessed (docs/sites-mapping.md, "Fichiers tiers").
"""

import re
import unicodedata

from cnum.sites.opening_hours import InvalidOpeningHours, Span, WeeklyHours, check, to_osm

DAY_WORDS = {
    **dict.fromkeys(("lundi", "lundis", "lun", "lu", "mo"), 0),
    **dict.fromkeys(("mardi", "mardis", "mar", "ma", "tu"), 1),
    **dict.fromkeys(("mercredi", "mercredis", "mer", "me", "we"), 2),
    **dict.fromkeys(("jeudi", "jeudis", "jeu", "je", "th"), 3),
    **dict.fromkeys(("vendredi", "vendredis", "ven", "ve", "fr"), 4),
    **dict.fromkeys(("samedi", "samedis", "sam", "sa"), 5),
    **dict.fromkeys(("dimanche", "dimanches", "dim", "di", "su"), 6),
}
RANGE_WORDS = {"-", "a", "au", "jusqu'a"}
LINK_WORDS = {"de", "du", "le", "les", "et", ",", "/", ":", "puis"}
SPAN_LINKS = {"de", "et", ",", "/", "puis"}
CLOSED_WORDS = {"ferme", "fermee", "off", "closed"}
CLAUSE_END = {";", "\n", "."}
TIME = re.compile(r"(?P<hours>\d{1,2})\s*(?:h|:)\s*(?P<minutes>\d{2})?|(?P<noon>midi)")
TOKEN = re.compile(r"\d{1,2}\s*(?:h|:)\s*(?:\d{2})?|midi|[a-z]+(?:'[a-z]+)?|[-,/;:.]|\n")


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("–", "-").replace("—", "-"))
    return "".join(char for char in text if not unicodedata.combining(char)).lower()


def _tokens(text: str) -> list[str]:
    folded = _folded(text)
    leftover = TOKEN.sub(" ", folded).strip()
    if leftover:
        raise InvalidOpeningHours(f"Horaires « {text} » : « {leftover.split()[0]} » n'est ni un jour ni une heure.")
    return [token.replace(" ", "") for token in TOKEN.findall(folded)]


def _minutes(token: str) -> int | None:
    match = TIME.fullmatch(token)
    if match is None:
        return None
    if match["noon"]:
        return 12 * 60
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


class _Reader:
    """Walks the tokens of one text; `days` collects the spans of each weekday."""

    def __init__(self, text: str):
        self.text, self.tokens, self.position = text, _tokens(text), 0
        self.days: list[list[Span]] = [[] for _ in range(7)]
        self.mentioned: set[int] = set()

    def fail(self, why: str):
        raise InvalidOpeningHours(f"Horaires « {self.text} » illisibles : {why}.")

    def peek(self, offset: int = 0) -> str | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def skip_links(self) -> None:
        while self.peek() in LINK_WORDS or self.peek() in CLAUSE_END:
            self.position += 1

    def day_selection(self) -> list[int]:
        selected: list[int] = []
        while self.peek() in DAY_WORDS:
            first = DAY_WORDS[self.tokens[self.position]]
            self.position += 1
            if self.peek() in RANGE_WORDS and self.peek(1) in DAY_WORDS:
                last = DAY_WORDS[self.tokens[self.position + 1]]
                self.position += 2
                if last < first:
                    self.fail("plage de jours à l'envers")
                selected.extend(range(first, last + 1))
            else:
                selected.append(first)
            while self.peek() in {",", "et"} and self.peek(1) in DAY_WORDS:
                self.position += 1
        return selected

    def spans(self) -> list[Span]:
        found: list[Span] = []
        while True:
            while self.peek() in SPAN_LINKS:
                self.position += 1
            start = _minutes(self.peek() or "")
            if start is None:
                return found
            end = _minutes(self.peek(2) or "") if self.peek(1) in RANGE_WORDS else None
            if end is None:
                self.fail(f"heure « {self.tokens[self.position]} » sans heure de fin")
            if end <= start:
                self.fail("une plage horaire finit avant de commencer")
            found.append((start, end))
            self.position += 3

    def clause(self) -> None:
        self.skip_links()
        days = self.day_selection()
        if not days:
            self.fail(f"« {self.peek()} » là où un jour est attendu")
        if self.peek() == ":":
            self.position += 1
        if self.peek() in CLOSED_WORDS:
            self.position += 1
            self.mentioned.update(days)
            return
        spans = self.spans()
        if not spans:
            self.fail("des jours sans heures")
        for day in days:
            self.days[day].extend(spans)
        self.mentioned.update(days)

    def read(self) -> WeeklyHours:
        self.skip_links()
        while self.peek() is not None:
            self.clause()
            self.skip_links()
        if not self.mentioned:
            self.fail("aucun jour")
        return WeeklyHours(days=tuple(tuple(sorted(spans)) for spans in self.days))


def from_text(value) -> str:
    """Valid OSM opening hours from `value`: kept when already OSM, read as French text otherwise ("" when empty).

    Raises InvalidOpeningHours (French message) when the text is not fully understood; days not named are closed.
    """
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    try:
        return check(text)
    except InvalidOpeningHours:
        pass
    return check(to_osm(_Reader(str(value)).read()))
