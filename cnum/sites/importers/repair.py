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
  Two words that fit ("pr�s": près, prés) leave the text as it is, to be reviewed.
- Before any lexicon, the words seen intact in the file being imported (another row, another column: "Quartier
  des Herbès" restores "Médiathèque d'Herb�s") are tried, then, with the frequent words, the words of the names of
  the structures already in the database ("Centre social La Fresquière"). A word of the file wins when it is the
  only one of the file that fits; two of them that fit leave the text as it is. (The French first names and
  surnames of Faker's fr_FR provider were weighed and left out: all but two of its accented ones are already
  frequent words of wordfreq, and those two are among its rarer words.)

The lexicon ships inside the wordfreq package (data files, nothing downloaded), and is read once per process; the
file's words and the structures' names are read once per import (`Lexicon.of`).
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from wordfreq import get_frequency_dict, zipf_frequency

from cnum.sites.normalization import fix_mojibake
from cnum.structures.models import Structure
from cnum.territories.models import Commune

DAMAGED = "\ufffd"
DAMAGED_READ_TWICE = "ï¿½"
ACCENTED = frozenset("àâäçéèêëîïôöùûüÿœæ")
MIN_ZIPF = 2.5
ONE_LETTER_WORDS = ("à",)
ORDINAL = re.compile(rf"(?<=\d)(\s?){DAMAGED}(me|re)\b", re.IGNORECASE)
WORD = re.compile(rf"(?:[^\W\d_]|{DAMAGED})*{DAMAGED}(?:[^\W\d_]|{DAMAGED})*")


FROM_FILE, FROM_STRUCTURES = "fichier", "structures"


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
    return _matching(rare, lower), ""


def _cased(word: str, like: str) -> str:
    letters = [char for char in like if char != DAMAGED]
    if letters and all(char.isupper() for char in letters):
        return word.upper()
    if letters and like[0].isupper():
        return word[0].upper() + word[1:]
    if like[0] == DAMAGED and len(like) > 1 and like[1:2].isupper():
        return word[0].upper() + word[1:]
    return word


def repair(value, lexicon: Lexicon | None = None) -> Repair:
    """The text with its mojibake undone and its lost characters restored where one French word fits (the words of
    `lexicon`, the import's own, first)."""
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

    def restore(match: re.Match) -> str:
        damaged = match[0]
        candidates, where = _fits(damaged, lexicon)
        if not candidates:
            candidates, where = _fits(damaged.replace(DAMAGED * 2, DAMAGED), lexicon)
        if len(candidates) == 1:
            word = _cased(candidates[0], damaged)
            result.restored.append((damaged, word, where))
            return word
        result.undecided.append((damaged, candidates))
        return damaged

    result.text = WORD.sub(restore, fixed)
    return result
