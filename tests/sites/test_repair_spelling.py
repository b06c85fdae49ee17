"""The lost letters restored by French spelling alone (cnum.sites.importers.repair._by_spelling), tried on real
place names: every word of the COG's commune names with one accented letter, that letter lost. Those words are not
where the rule is used (the lexicon holds them), which makes them a fair trial of what it does to the street and
place names no lexicon holds."""

import re

import pytest

from cnum.sites.importers import repair
from cnum.sites.importers.repair import DAMAGED
from cnum.territories.models import Commune

pytestmark = pytest.mark.usefixtures("cog")


def _one_accent_words() -> set[str]:
    words = set()
    for name in Commune.objects.values_list("name", flat=True):
        for word in re.findall(r"[^\W\d_]+", name.lower()):
            if len(word) > 2 and sum(char in repair.ACCENTED for char in word) == 1:
                words.add(word)
    return words


def test_spelling_restores_the_commune_names_it_decides_as_they_are_written():
    decided, wrong = 0, []
    for word in _one_accent_words():
        position = next(index for index, char in enumerate(word) if char in repair.ACCENTED)
        restored = repair._by_spelling(word[:position] + DAMAGED + word[position + 1 :])
        if restored is not None:
            decided += 1
            if restored != word:
                wrong.append(word)
    assert decided >= 500  # the rule decides, it does not only abstain
    assert len(wrong) <= 0.01 * decided, wrong


def test_a_lost_letter_before_a_last_consonant_is_left_to_review():
    assert repair._by_spelling(f"arth{DAMAGED}s") is None  # Arthès; "-és" in French plurals
    assert repair._by_spelling(f"fresqui{DAMAGED}re") == "fresquière"
