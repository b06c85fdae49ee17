import pytest

from cnum.sites.normalization import (
    Unfixable,
    fix_mojibake,
    is_valid_siret,
    normalize_emails,
    normalize_phone,
    normalize_pivot,
    split_emails,
    split_urls,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("04 50 56 87 49", "+33450568749"),
        ("450568749", "+33450568749"),  # its leading zero lost in a spreadsheet, as postal codes lose theirs
        ("0269 61 10 00", "+262269611000"),  # Mayotte
        ("04.50.56.87.49", "+33450568749"),
        ("+33 (0)4 50 56 87 49", "+33450568749"),
        ("0033 4 50 56 87 49", "+33450568749"),
        ("+33450568749", "+33450568749"),
        ("06 12 34 56 78", "+33612345678"),
        ("0590 12 34 56", "+590590123456"),
        ("0690 12 34 56", "+590690123456"),
        ("0594 12 34 56", "+594594123456"),
        ("0596 12 34 56", "+596596123456"),
        ("0696 11 22 33", "+596696112233"),
        ("0262 12 34 56", "+262262123456"),
        ("0692 12 34 56", "+262692123456"),
        ("0269 61 12 34", "+262269611234"),
        ("+590590123456", "+590590123456"),
    ],
)
def test_phones_are_written_in_international_form_by_the_numbering_plan(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value", ["12", "standard", "+44 20 7946 0958", "01 23 45 67 89 10", "0590 12 34 56 78", "0890"]
)
def test_unfixable_phones_are_refused_with_a_french_reason(value):
    with pytest.raises(Unfixable, match="Téléphone"):
        normalize_phone(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00000000000000", ""),
        ("", ""),
        ("775 560 261 00015", "77556026100015"),
        ("W751234567", "W751234567"),
        ("w751234567", "W751234567"),
        ("356000000", "356000000"),
    ],
)
def test_pivots(value, expected):
    assert normalize_pivot(value) == expected


@pytest.mark.parametrize("value", ["77567267221138", "12-34", "ABCDEFGH"])
def test_invalid_pivots_are_refused(value):
    with pytest.raises(Unfixable):
        normalize_pivot(value)


def test_siret_checksum_and_la_poste_exception():
    assert is_valid_siret("77556026100015")
    assert not is_valid_siret("77556026100016")
    assert is_valid_siret("35600000000010")  # La Poste: digit sum 15, a multiple of 5
    assert not is_valid_siret("35600000000011")


def test_emails_and_urls_keep_the_valid_ones():
    assert split_emails("a@exemple.fr; secrétariat@x.org | b@exemple.fr a@exemple.fr") == (
        ["a@exemple.fr", "b@exemple.fr"],
        ["secrétariat@x.org"],
    )
    assert split_urls("https://a.fr|www.b.fr ; http://c.fr") == (["https://a.fr", "http://c.fr"], ["www.b.fr"])
    with pytest.raises(Unfixable, match="Courriel « maisondes » invalide"):
        normalize_emails("ok@exemple.fr, maisondes")


def test_mojibake_is_repaired_and_other_text_left_alone():
    assert fix_mojibake("Fresnes-LÃ©guillon") == "Fresnes-Léguillon"
    assert fix_mojibake("Trie-Château") == "Trie-Château"
