import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnum.territories.normalization import (
    departement_codes_for_postal_code,
    normalize_insee,
    normalize_name,
    normalize_postal_code,
)

no_database = settings(database=None)
FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿ"
UNACCENTED = str.maketrans("àâäçéèêëîïôöùûüÿ", "aaaceeeeiioouuuy")
french_names = st.text(alphabet=FRENCH_LETTERS + "0123456789 -'", max_size=40)
CANONICAL = re.compile(r"(?:[A-Z0-9]+(?: [A-Z0-9]+)*)?")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("L'Abergement-Clémenciat", "L ABERGEMENT CLEMENCIAT"),
        ("  l abergement   clemenciat ", "L ABERGEMENT CLEMENCIAT"),
        ("Abergement-Clémenciat (L')", "L ABERGEMENT CLEMENCIAT"),
        ("Mans (Le)", "LE MANS"),
        ("ST ETIENNE", "SAINT ETIENNE"),
        ("Ste-Foy-lès-Lyon", "SAINTE FOY LES LYON"),
        ("St.-Malo", "SAINT MALO"),
        ("Œuilly", "OEUILLY"),
        ("L’Haÿ-les-Roses", "L HAY LES ROSES"),
        ("Marseille 1er Arrondissement", "MARSEILLE 1ER ARRONDISSEMENT"),
        ("Paris 15ème", "PARIS 15EME"),
        ("Stenay", "STENAY"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_name(value, expected):
    assert normalize_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01001", "01001"),
        (" 01 001 ", "01001"),
        ("1001", "01001"),
        (1001, "01001"),
        ("1001.0", "01001"),
        ("2A004", "2A004"),
        ("2a004", "2A004"),
        ("2B033", "2B033"),
        ("ABCDE", None),
        ("123", None),
        ("123456", None),
        ("2C004", None),
        ("2A04", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_insee(value, expected):
    assert normalize_insee(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("75015", "75015"),
        ("75 015", "75015"),
        ("1000", "01000"),
        (1000, "01000"),
        ("1000.0", "01000"),
        ("ABCDE", None),
        ("123", None),
        ("123456", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_postal_code(value, expected):
    assert normalize_postal_code(value) == expected


@pytest.mark.parametrize(
    ("postal_code", "departements"),
    [("01000", ("01",)), ("75015", ("75",)), ("20000", ("2A", "2B")), ("97400", ("974",)), ("98800", ("988",))],
)
def test_departement_codes_for_postal_code(postal_code, departements):
    assert departement_codes_for_postal_code(postal_code) == departements


@no_database
@given(st.text())
def test_normalize_name_is_idempotent_and_canonical(value):
    normalized = normalize_name(value)
    assert normalize_name(normalized) == normalized
    assert CANONICAL.fullmatch(normalized)


@no_database
@given(french_names)
def test_normalize_name_ignores_case_and_accents(value):
    expected = normalize_name(value)
    assert normalize_name(value.upper()) == expected
    assert normalize_name(value.lower()) == expected
    assert normalize_name(value.translate(UNACCENTED)) == expected


@no_database
@given(french_names)
def test_normalize_name_treats_hyphens_apostrophes_and_spaces_alike(value):
    expected = normalize_name(value)
    for separator in ("-", "'", "  ", "’"):
        assert normalize_name(value.replace(" ", separator)) == expected


@no_database
@given(st.integers(min_value=1000, max_value=99999))
def test_codes_read_as_numbers_get_their_leading_zero_back(number):
    assert normalize_postal_code(number) == f"{number:05d}"
    assert normalize_insee(number) == f"{number:05d}"
    assert normalize_insee(str(number)) == f"{number:05d}"


@no_database
@given(st.text())
def test_normalized_codes_are_fixed_points(value):
    for normalize in (normalize_insee, normalize_postal_code):
        normalized = normalize(value)
        assert normalized is None or normalize(normalized) == normalized
