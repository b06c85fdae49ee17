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

The lexicon ships inside the wordfreq package (data files, nothing downloaded), and is read once per process.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from wordfreq import get_frequency_dict, zipf_frequency

from cnum.sites.normalization import fix_mojibake
from cnum.territories.models import Commune

DAMAGED = "\ufffd"
DAMAGED_READ_TWICE = "ï¿½"
ACCENTED = frozenset("àâäçéèêëîïôöùûüÿœæ")
MIN_ZIPF = 2.5
ONE_LETTER_WORDS = ("à",)
ORDINAL = re.compile(rf"(?<=\d)(\s?){DAMAGED}(me|re)\b", re.IGNORECASE)
WORD = re.compile(rf"(?:[^\W\d_]|{DAMAGED})*{DAMAGED}(?:[^\W\d_]|{DAMAGED})*")


@dataclass
class Repair:
    text: str
    mojibake: bool = False
    restored: list[tuple[str, str]] = field(default_factory=list)  # (damaged word, French word)
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
    for name in Commune.objects.values_list("name", flat=True):
        common.update(
            part for part in re.findall(r"[^\W\d_]+", name.lower()) if len(part) > 1 and ACCENTED & set(part)
        )
    return _index(common), _index(accented - common)


def _index(words) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in words:
        index.setdefault(_key(word), []).append(word)
    return {key: tuple(sorted(found)) for key, found in index.items()}


def reset_lexicon() -> None:
    _lexicons.cache_clear()


def _fits(damaged: str) -> tuple[str, ...]:
    """The common words that fit; the rare ones when no common word does."""
    lower = damaged.lower()
    for lexicon in _lexicons():
        found = tuple(
            word
            for word in lexicon.get(_key(lower), ())
            if all(char in (DAMAGED, other) for char, other in zip(lower, word, strict=True))
        )
        if found:
            return found
    return ()


def _cased(word: str, like: str) -> str:
    letters = [char for char in like if char != DAMAGED]
    if letters and all(char.isupper() for char in letters):
        return word.upper()
    if letters and like[0].isupper():
        return word[0].upper() + word[1:]
    if like[0] == DAMAGED and len(like) > 1 and like[1:2].isupper():
        return word[0].upper() + word[1:]
    return word


def repair(value) -> Repair:
    """The text with its mojibake undone and its lost characters restored where one French word fits."""
    text = str(value or "").replace(DAMAGED_READ_TWICE, DAMAGED)
    fixed = fix_mojibake(text)
    result = Repair(fixed, mojibake=fixed != unicodedata.normalize("NFC", text))
    if DAMAGED not in fixed:
        return result

    def ordinal(match: re.Match) -> str:
        word = ("è" if match[2].islower() else "È") + match[2]
        result.restored.append((f"{DAMAGED}{match[2]}", word))
        return match[1] + word

    fixed = ORDINAL.sub(ordinal, fixed)

    def restore(match: re.Match) -> str:
        damaged = match[0]
        candidates = _fits(damaged) or _fits(damaged.replace(DAMAGED * 2, DAMAGED))
        if len(candidates) == 1:
            word = _cased(candidates[0], damaged)
            result.restored.append((damaged, word))
            return word
        result.undecided.append((damaged, candidates))
        return damaged

    result.text = WORD.sub(restore, fixed)
    return result
