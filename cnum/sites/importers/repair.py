"""Text damaged on its way to us, repaired where the repair is certain (docs/sites-mapping.md, "Texte abîmé").

- Mojibake (UTF-8 read as Windows-1252, "MÃ©diathÃ¨que", even twice over) is undone by ftfy, which only changes
  text whose bytes prove the misreading.
- A character lost for good, written U+FFFD "�" (or "ï¿½" once such a file was saved again), is restored in a word
  when exactly one French word fits: the lost character of a word of French text is an accented letter (plain ASCII
  survives every misreading), so "Biblioth�que" can only be "bibliothèque". The words are those of wordfreq's French
  lexicon used at least once in about three million words (zipf ≥ 2.5, which leaves out its misspellings such as
  "bibliothéque"), the one-letter word "à", and every word of the names of the COG's communes ("Vachères"); when
  none of them fits, the rarer words of the lexicon (place names such as "Lauzières", "Péchiney") are tried, still
  only when exactly one fits. After a number, "�me" and "�re" are the ordinals "ème" and "ère" ("2 �me étage").
  Two words that fit ("pr�s": près, prés) leave the text as it is, to be reviewed; a word that fits but is a
  misspelling of another that fits ("accés" beside "accès": 100 times rarer, and rare) is set aside.
- When no word fits, the lost letters of a word whose other letters were written without their accents are taken
  from the one frequent word it is ("Mediath�que" → "Mediathèque", only the lost letter restored); then, for names
  no lexicon knows, a lost letter is restored by French spelling alone where at least 30 words have an accented
  letter between the same neighbours and 99 % of them the same one ("fresqui�re" → "fresquière": "-ière"), but
  before one last consonant ("Arth�s": French plurals write "-és", the place names of the south "-ès"). Tried on
  the words of the COG's commune names, each with its accented letter lost, the rule restores 99 % of those it
  decides as they are written.
- The typographic apostrophe (’) is lost like an accent: an elided article or pronoun (l, d, j, m, n, s, t, c, qu)
  followed by "�" and a word starting with a vowel or an h, when no word fits the whole, is that article, an
  apostrophe and the word ("l�arrondissement" → "l’arrondissement", "d��v�nements" stays: two words fit).
- Before any lexicon, the words seen intact in the file being imported (another row, another column: "Quartier
  des Herbès" restores "Médiathèque d'Herb�s") are tried, then, with the frequent words, the words of the names of
  the structures already in the database ("Centre social La Fresquière"). A word of the file wins when it is the
  only one of the file that fits; two of them that fit leave the text as it is. (The French first names and
  surnames of Faker's fr_FR provider were weighed and left out: all but two of its accented ones are already
  frequent words of wordfreq, and those two are among its rarer words.)
- With the rarer words of wordfreq come the words of the names and addresses of the national lists of sites shipped
  in reference/mediation-numerique (CnFS permanences, France Services): street and place names no dictionary has
  ("La M�reti�re" → "La Mèretière", Veynes). They only widen that last tier: a word of theirs that fits beside a
  rarer word of wordfreq that fits ("Cr�vecoeur": crèvecoeur, crévecoeur) leaves the text as it is.
- A value whose words are never apart by an ordinary space wrote its spaces as non-breaking ones, not ASCII, lost
  like the accents: when no word fits, each "�" after a known word (two letters or more, zipf ≥ 2.5) and before a
  letter is a space, provided every other part is a known word or is restored itself ("4 rue�sainte�r�parate" →
  "4 rue sainte réparate"; "rue du part�gal" keeps its "�": "part gal" is no reading of a spaced value).
- One character of two or three bytes in UTF-8 may be lost as two or three "�" ("Biblioth��que",
  "l���arrondissement"): a run is read both ways, and when both readings give a word and not the same ("C��ur":
  "C’œur" or "Cœur"), none is taken.
- The row's own web and e-mail addresses spell its words without accents ("pole-culturel"): among several words that
  fit ("P�le": pâle, pèle, pêle, pôle), the one the addresses write as a word of their own is taken ("pôle"); a lost
  last character of a word the addresses write with no letter after it ("Coworking By Adezio�",
  "coworkingbyadezio.fr") was a sign, not a letter (an accent stays in an address as its letter): it is removed.

The lexicon ships inside the wordfreq package (data files, nothing downloaded), and is read once per process, as are
the national lists (on the first lost character that needs them); the file's words and the structures' names are
read once per import (`Lexicon.of`).
"""

import csv
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field

from wordfreq import get_frequency_dict, zipf_frequency

from cnum.sites.normalization import fix_mojibake
from cnum.sites.schema import CNFS_FILE, FRANCE_SERVICES_FILE, reference_dir
from cnum.structures.models import Structure
from cnum.territories.models import Commune

DAMAGED = "\ufffd"
DAMAGED_READ_TWICE = "ï¿½"
ACCENTED = frozenset("àâäçéèêëîïôöùûüÿœæ")
MIN_ZIPF = 2.5
ONE_LETTER_WORDS = ("à",)
ORDINAL = re.compile(rf"(?<=\d)(\s?){DAMAGED}(me|re)\b", re.IGNORECASE)
#: An elided article or pronoun whose apostrophe (’, not ASCII, so lost like an accent) was lost before a word
#: starting with a vowel or an h: "l�arrondissement" → "l’arrondissement".
ELISION = re.compile(
    rf"(?P<article>[ldjmnstc]|qu|jusqu|lorsqu|puisqu){DAMAGED}(?P<rest>[aeiouyhâàéèêëîïôûù{DAMAGED}].+)", re.IGNORECASE
)
#: A word that fits is read as a misspelling of another that fits too when it is used at least 100 times less
#: often (2 points of zipf) and rarely (zipf under 3): "accés" (2.6) beside "accès" (5.0), "systéme" beside "système";
#: two words in use both stay ("près" 5.5 and "prés" 3.9; "événements" and "évènements").
MISSPELLING_GAP, MISSPELLING_MAX = 2.0, 3.0
#: A lost letter no word explains is restored by spelling alone when at least CONTEXT_SUPPORT French words have an
#: accented letter between the same neighbours and CONTEXT_SHARE of them the same one.
CONTEXT_SUPPORT, CONTEXT_SHARE = 30, 0.99
#: What follows a lost letter that spelling does not decide: one last consonant. Restored by spelling, 25 of the 28
#: words of the COG's commune names ending in "-�s" (and 3 of 6 in "-�t") took the wrong accent.
LAST_CONSONANT = re.compile(r"[b-df-hj-np-tv-z]\$")
WORD = re.compile(rf"(?:[^\W\d_]|{DAMAGED})*{DAMAGED}(?:[^\W\d_]|{DAMAGED})*")
#: Two words apart by an ordinary space: a value without any wrote its spaces as non-breaking ones ("4 rue�sainte").
SPACED_WORDS = re.compile(rf"(?:[^\W\d_]|{DAMAGED})\s+(?:[^\W\d_]|{DAMAGED})")
#: One character of two or three bytes in UTF-8 (é, œ, ’) may come out as two or three "�".
BYTES_OF_ONE = re.compile(f"{DAMAGED}{{2,3}}")
#: The national lists of sites whose names and addresses give the words of the lieux (reference/mediation-numerique).
NATIONAL_LISTS = {CNFS_FILE: ("nom", "adresse"), FRANCE_SERVICES_FILE: ("lib_fs", "adresse", "complement_adresse")}


FROM_FILE, FROM_STRUCTURES, FROM_ACCENT_BLIND, FROM_SPELLING = "fichier", "structures", "sans accents", "orthographe"
FROM_NATIONAL_LISTS, FROM_LOST_SPACES = "listes nationales", "espaces perdues"
FROM_ADDRESSES, LOST_SIGN = "adresses de la ligne", "signe perdu"
#: A web address (with its scheme or "www.") or an e-mail address, in any value of a row.
ADDRESSES = re.compile(r"(?:https?://|www\.)[^\s;,]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
#: The last word of a text (letters only), with what follows it up to the text's end.
PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[\W\d_]*$")
#: The shortest stem a lost last character is removed after (a short one is found in addresses by chance).
SIGN_STEM_MIN = 4


@dataclass
class Repair:
    text: str
    mojibake: bool = False
    # (damaged word, French word, where it was found: FROM_FILE, FROM_STRUCTURES or "" for the lexicons)
    restored: list[tuple[str, str, str]] = field(default_factory=list)
    undecided: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (word, the words that fit)

    @property
    def damaged(self) -> bool:
        return DAMAGED in self.text


def _key(word: str) -> str:
    return "".join(DAMAGED if char in ACCENTED or char == DAMAGED else char for char in word)


@functools.cache
def _lexicons() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(common, rare): damage pattern → the French words with accents that have it ("biblioth�que" →
    ("bibliothèque",)); common = frequent words, "à" and the words of commune names; rare = the rest of wordfreq."""
    accented = {word for word in get_frequency_dict("fr", wordlist="large") if len(word) > 1 and ACCENTED & set(word)}
    common = {word for word in accented if zipf_frequency(word, "fr", wordlist="large") >= MIN_ZIPF}
    common.update(ONE_LETTER_WORDS)
    common.update(_accented_words(Commune.objects.values_list("name", flat=True)))
    return _index(common), _index(accented - common)


def _accented_words(texts) -> set[str]:
    """The words with an accented letter of `texts`, in lower case, those with a lost character left out."""
    words = set()
    for text in texts:
        words.update(
            part
            for part in re.findall(r"[^\W\d_]+", str(text or "").lower())
            if len(part) > 1 and ACCENTED & set(part)
        )
    return words


@dataclass
class Lexicon:
    """The words of one import: those seen intact in its file, and those of the structures' names."""

    file: dict[str, tuple[str, ...]] = field(default_factory=dict)
    structures: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, texts) -> "Lexicon":
        """The lexicon of a file whose values are `texts` (mojibake undone first, as `repair` does)."""
        fixed = (fix_mojibake(str(text)) for text in texts if text)
        return cls(
            file=_index(_accented_words(fixed)),
            structures=_index(_accented_words(Structure.objects.values_list("name", flat=True))),
        )


def _index(words) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in words:
        index.setdefault(_key(word), []).append(word)
    return {key: tuple(sorted(found)) for key, found in index.items()}


def reset_lexicon() -> None:
    _lexicons.cache_clear()
    _national_lists.cache_clear()


def _matching(index: dict[str, tuple[str, ...]], lower: str) -> tuple[str, ...]:
    return tuple(
        word
        for word in index.get(_key(lower), ())
        if all(char in (DAMAGED, other) for char, other in zip(lower, word, strict=True))
    )


def _fits(damaged: str, lexicon: Lexicon | None = None) -> tuple[tuple[str, ...], str]:
    """(the words that fit, where they were found): the file's words first, then the common words with the
    structures' names, then the rare words (see module)."""
    lower = damaged.lower()
    lexicon = lexicon or Lexicon()
    if found := _matching(lexicon.file, lower):
        return found, FROM_FILE
    common, rare = _lexicons()
    found = _matching(common, lower)
    from_structures = tuple(word for word in _matching(lexicon.structures, lower) if word not in found)
    if found or from_structures:
        return tuple(sorted(found + from_structures)), FROM_STRUCTURES if not found else ""
    found = _matching(rare, lower)
    from_lists = tuple(word for word in _matching(_national_lists(), lower) if word not in found)
    return tuple(sorted(found + from_lists)), FROM_NATIONAL_LISTS if from_lists and not found else ""


@functools.cache
def _national_lists() -> dict[str, tuple[str, ...]]:
    """The words with an accent of the names and addresses of the national lists of sites shipped in
    reference/mediation-numerique (CnFS permanences, France Services): street and place names no dictionary has
    ("La Mèretière", "chemin de Crèvecœur")."""
    texts = []
    for name, columns in NATIONAL_LISTS.items():
        with (reference_dir() / name).open(encoding="utf-8", newline="") as file:
            records = json.load(file) if name.endswith(".json") else list(csv.DictReader(file))
        texts.extend(record.get(column) for record in records for column in columns)
    return _index(_accented_words(texts))


def _fold(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0]


@functools.cache
def _by_length() -> dict[int, tuple[str, ...]]:
    """The frequent words with an accented letter, by length (for the accent-blind match)."""
    common, _rare = _lexicons()
    found: dict[int, list[str]] = {}
    for words in common.values():
        for word in words:
            found.setdefault(len(word), []).append(word)
    return {length: tuple(words) for length, words in found.items()}


def _accent_blind(damaged: str) -> tuple[str, ...]:
    """The damaged word with its lost letters taken from the one frequent word it is, when its other letters lost
    their accents at the source ("Mediath�que" → "Mediathèque", "M�diatheque" → "Médiatheque"): only the lost
    letters are restored, the rest stays as written."""
    lower = damaged.lower()
    capitals = [char for char in damaged if char.isalpha() and char != DAMAGED]
    upper = bool(capitals) and all(char.isupper() for char in capitals)
    restored = set()
    for word in _by_length().get(len(lower), ()):
        if all(
            (word[i] in ACCENTED) if char == DAMAGED else (_fold(char) == _fold(word[i]))
            for i, char in enumerate(lower)
        ):
            restored.add(
                "".join(
                    (word[i].upper() if upper else word[i]) if char == DAMAGED else damaged[i]
                    for i, char in enumerate(lower)
                )
            )
    return tuple(sorted(restored))


@functools.cache
def _contexts() -> dict[tuple[str, str], dict[str, tuple[int, float]]]:
    """(letter before, up to 3 letters after, "$" at the word's end) → for each accented letter found there in
    wordfreq's whole French lexicon: (how many words, their summed frequency)."""
    found: dict[tuple[str, str], dict[str, tuple[int, float]]] = {}
    for word, frequency in get_frequency_dict("fr", wordlist="large").items():
        for i, char in enumerate(word):
            if char in ACCENTED and 0 < i:
                after = word[i + 1 : i + 4] + ("$" if i + 4 >= len(word) else "")
                counts = found.setdefault((word[i - 1], after), {})
                words, total = counts.get(char, (0, 0.0))
                counts[char] = (words + 1, total + frequency)
    return found


def _by_spelling(damaged: str) -> str | None:
    """The word with each lost letter restored where French spelling allows one accented letter only between
    its neighbours ("fresqui�re": "-ière"): at least CONTEXT_SUPPORT words have an accented letter there, and one
    letter makes CONTEXT_SHARE of their use (frequency-weighted, so that misspellings such as "-iére" weigh what
    they are used); None when one lost letter is not so determined."""
    lower, letters = damaged.lower(), list(damaged)
    capitals = [char for char in damaged if char.isalpha() and char != DAMAGED]
    upper = bool(capitals) and all(char.isupper() for char in capitals)
    for i, char in enumerate(lower):
        if char != DAMAGED:
            continue
        after = lower[i + 1 : i + 4] + ("$" if i + 4 >= len(lower) else "")
        if i == 0 or DAMAGED in lower[i - 1] + after or after.startswith("$"):
            return None  # a lost last character may be a lost sign ("…", "®", "»") as well as a letter
        if LAST_CONSONANT.fullmatch(after):
            return None  # "-�s", "-�t": French plurals say "-és", place names of the south "-ès" (Arthès, Vivès)
        counts = _contexts().get((lower[i - 1], after), {})
        if sum(words for words, _ in counts.values()) < CONTEXT_SUPPORT:
            return None
        letter, (_, used) = max(counts.items(), key=lambda item: item[1][1])
        if used < CONTEXT_SHARE * sum(total for _, total in counts.values()):
            return None
        letters[i] = letter.upper() if upper else letter
    return "".join(letters)


def _without_misspellings(candidates: tuple[str, ...]) -> tuple[str, ...]:
    if len(candidates) < 2:
        return candidates
    zipf = {word: zipf_frequency(word, "fr", wordlist="large") for word in candidates}
    best = max(zipf.values())
    return tuple(word for word in candidates if zipf[word] >= MISSPELLING_MAX or zipf[word] > best - MISSPELLING_GAP)


def _cased(word: str, like: str) -> str:
    letters = [char for char in like if char != DAMAGED]
    if letters and all(char.isupper() for char in letters):
        return word.upper()
    if letters and like[0].isupper():
        return word[0].upper() + word[1:]
    if like[0] == DAMAGED and len(like) > 1 and like[1:2].isupper():
        return word[0].upper() + word[1:]
    return word


def _known(word: str) -> bool:
    return len(word) > 1 and zipf_frequency(word.lower(), "fr", wordlist="large") >= MIN_ZIPF


def _lost_spaces(damaged: str) -> list[str] | None:
    """The words of a value whose spaces were all non-breaking ones (not ASCII, so lost like the accents:
    "rue�sainte�r�parate"): each "�" after a known word and before a letter is a space; None when there is none, or
    when a word left without "�" is not a known word ("vanta�res" is no "vanta res")."""
    parts = damaged.split(DAMAGED)
    words, current = [], parts[0]
    for part in parts[1:]:
        if part[:1].isalpha() and _known(current):
            words.append(current)
            current = part
        else:
            current += DAMAGED + part
    words.append(current)
    if len(words) < 2 or not all(DAMAGED in word or _known(word) for word in words):
        return None
    return words


def _word_of(damaged: str, lexicon: Lexicon | None) -> tuple[str | None, tuple[str, ...], str]:
    """(the one word that fits, or None; the words that fit; where they were found)."""
    candidates, where = _fits(damaged, lexicon)
    candidates = _without_misspellings(candidates)
    return (_cased(candidates[0], damaged) if len(candidates) == 1 else None), candidates, where


def addresses(values) -> str:
    """The web and e-mail addresses among a row's `values`, in lower case, one after the other (for `repair`)."""
    return " ".join(match.lower() for value in values if value for match in ADDRESSES.findall(str(value)))


def _ascii(word: str) -> str:
    """The word as an address writes it: without accents, "œ" and "æ" in two letters."""
    word = word.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char))


def _spelled(word: str, spelled: str) -> bool:
    return bool(re.search(rf"(?<![a-z0-9]){re.escape(_ascii(word))}(?![a-z0-9])", spelled))


def _by_addresses(damaged: str, candidates: tuple[str, ...], spelled: str) -> str | None:
    """The one word of several that fit that the row's addresses write as a word of their own ("pole-culturel")."""
    written = [word for word in candidates if _spelled(word, spelled)]
    return _cased(written[0], damaged) if len(written) == 1 else None


def _lost_sign(damaged: str, spelled: str, before: str) -> str | None:
    """The word without its lost last character when the row's addresses write the word with no letter after it, as
    a word of its own or glued to the word `before` it ("coworkingbyadezio.fr"), never inside another word, and never
    with a letter after it."""
    stem = damaged[:-1]
    if not damaged.endswith(DAMAGED) or DAMAGED in stem or len(stem) < SIGN_STEM_MIN:
        return None
    glued = f"|{re.escape(_ascii(before))}" if before else ""
    start = rf"(?:(?<![a-z0-9]){glued}){re.escape(_ascii(stem))}"
    if re.search(rf"{start}(?![a-z0-9])", spelled) and not re.search(rf"{start}[a-z]", spelled):
        return stem
    return None  # not written, or written with a letter after it too (the lost one may be that letter, accented)


def _decide(damaged: str, lexicon: Lexicon | None, result: Repair, *, unspaced: bool, spelled: str, before: str):
    """(the word, or None; the words that fit; where they were found) by the first rule that decides (see module)."""
    word, candidates, where = _word_of(damaged, lexicon)
    if word is None and len(candidates) > 1 and spelled and (written := _by_addresses(damaged, candidates, spelled)):
        word, where = written, FROM_ADDRESSES
    if word is None and (elided := ELISION.fullmatch(damaged)):
        rest = elided["rest"]
        rest_word, rest_candidates, rest_where = _word_of(rest, lexicon) if DAMAGED in rest else (rest, (), "")
        if rest_word is not None:
            word, where = f"{elided['article']}’{rest_word}", rest_where
        else:
            candidates = rest_candidates
    if word is None and not candidates:
        blind = _accent_blind(damaged)
        if len(blind) == 1:
            word, where = blind[0], FROM_ACCENT_BLIND
        elif blind:
            candidates = blind
    if word is None and not candidates and unspaced and (words := _lost_spaces(damaged)):
        word = " ".join(_restore(part, lexicon, result, unspaced=False) if DAMAGED in part else part for part in words)
        where = FROM_LOST_SPACES
    if word is None and not candidates and (by_spelling := _by_spelling(damaged)):
        word, where = by_spelling, FROM_SPELLING
    if word is None and not candidates and spelled and (stem := _lost_sign(damaged, spelled, before)):
        word, where = stem, LOST_SIGN
    return word, candidates, where


def _restore(
    damaged: str, lexicon: Lexicon | None, result: Repair, *, unspaced: bool, spelled: str = "", before: str = ""
) -> str:
    """The damaged word restored, the repair or the indecision written on `result`. Each "�" stands for one
    character, or each run of two or three "�" for one character of two or three bytes ("Biblioth��que",
    "l���arrondissement"): when both readings give a word and not the same ("C��ur": "C’œur" or "Cœur"), two words
    fit and none is taken."""
    readings = []
    for form in dict.fromkeys((damaged, BYTES_OF_ONE.sub(DAMAGED, damaged))):
        inner = Repair("")  # the repairs of the words of a value that lost its spaces, kept if this reading is
        decided = _decide(form, lexicon, inner, unspaced=unspaced, spelled=spelled, before=before)
        readings.append((*decided, inner))
    decided = {reading[0]: reading for reading in readings if reading[0] is not None}
    if len(decided) == 1:
        word, _candidates, where, inner = next(iter(decided.values()))
        result.restored.extend(inner.restored)
        result.undecided.extend(inner.undecided)
        result.restored.append((damaged, word, where))
        return word
    candidates = tuple(decided) or next((reading[1] for reading in readings if reading[1]), ())
    result.undecided.append((damaged, candidates))
    return damaged


def repair(value, lexicon: Lexicon | None = None, spelled: str = "") -> Repair:
    """The text with its mojibake undone and its lost characters restored where one French word fits (the words of
    `lexicon`, the import's own, first; `spelled`: the row's `addresses`)."""
    text = str(value or "").replace(DAMAGED_READ_TWICE, DAMAGED)
    fixed = fix_mojibake(text)
    result = Repair(fixed, mojibake=fixed != unicodedata.normalize("NFC", text))
    if DAMAGED not in fixed:
        return result

    def ordinal(match: re.Match) -> str:
        word = ("è" if match[2].islower() else "È") + match[2]
        result.restored.append((f"{DAMAGED}{match[2]}", word, ""))
        return match[1] + word

    fixed = ORDINAL.sub(ordinal, fixed)
    unspaced = not SPACED_WORDS.search(fixed)

    def restored(match: re.Match) -> str:
        previous = PREVIOUS_WORD.search(fixed, 0, match.start()) if spelled else None
        before = previous[1] if previous else ""
        return _restore(match[0], lexicon, result, unspaced=unspaced, spelled=spelled, before=before)

    result.text = WORD.sub(restored, fixed)
    return result
