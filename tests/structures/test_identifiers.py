import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnum.structures.enums import IdentifierKind
from cnum.structures.identifiers import (
    Identifier,
    identify,
    luhn_check_digit,
    luhn_valid,
    normalize,
    validate_rna,
    validate_siren,
    validate_siret,
)

no_database = settings(database=None)
digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


def reason(value) -> str:
    with pytest.raises(ValidationError) as error:
        identify(value)
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("732 829 320 00074", Identifier(IdentifierKind.SIRET, "73282932000074")),
        ("732.829.320.00074", Identifier(IdentifierKind.SIRET, "73282932000074")),
        ("732-829-320-00074", Identifier(IdentifierKind.SIRET, "73282932000074")),
        ("73282932000074.0", Identifier(IdentifierKind.SIRET, "73282932000074")),  # a spreadsheet's number
        ("35600000000048", Identifier(IdentifierKind.SIRET, "35600000000048")),  # La Poste, head office
        ("356 000 000 00100", Identifier(IdentifierKind.SIRET, "35600000000100")),  # La Poste, digit sum 15
        ("1234567.001", Identifier(IdentifierKind.RIDET, "1234567001")),
        ("1234567001", Identifier(IdentifierKind.RIDET, "1234567001")),
        ("123456.001", Identifier(IdentifierKind.RIDET, "0123456001")),  # a 6-digit RID gets its zero back
        ("w751234567", Identifier(IdentifierKind.RNA, "W751234567")),
        ("W 9M1 000 123", Identifier(IdentifierKind.RNA, "W9M1000123")),
    ],
)
def test_identify_valid(value, expected):
    assert identify(value) == expected


def test_display_forms():
    assert identify("73282932000074").display == "732 829 320 00074"
    assert identify("1234567001").display == "1234567.001"
    assert identify("w751234567").display == "W751234567"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("73282932000075", "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas"),
        ("7328293200007", "SIRET invalide : 14 chiffres attendus, 13 reçus."),
        ("732829320000745", "SIRET invalide : 14 chiffres attendus, 15 reçus."),
        ("7328293200007A", "SIRET invalide : 14 chiffres attendus, caractère(s) non numérique(s) « A » trouvé(s)."),
        ("35600000000049", "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas"),  # La Poste, sum 27
        ("732829320", "SIREN seul (9 chiffres)"),
        ("W12345", "Numéro RNA invalide : W suivi de 9 caractères attendu, 5 reçus."),
        ("W12345678é", "Numéro RNA invalide : seuls des lettres et des chiffres suivent le W."),
        ("", "Identifiant manquant"),
        (None, "Identifiant manquant"),
    ],
)
def test_identify_says_why_a_value_is_refused(value, expected):
    assert expected in reason(value)


def test_siren():
    assert validate_siren("732 829 320") == "732829320"
    assert validate_siren("356000000") == "356000000"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siren("732829321")
    with pytest.raises(ValidationError, match="9 chiffres attendus, 8 reçus"):
        validate_siren("73282932")


def test_rna_must_start_with_w():
    with pytest.raises(ValidationError, match="commence par la lettre W"):
        validate_rna("A123456789")


def test_normalize():
    assert normalize(" 732 829-320.00074 ") == "73282932000074"
    assert normalize("w751_234 567") == "W751234567"
    assert normalize(None) == ""


@no_database
@given(prefix=digits)
def test_any_prefix_completed_by_its_luhn_digit_is_a_valid_siret(prefix):
    assume(not prefix.startswith("356000000"))
    siret = prefix + luhn_check_digit(prefix)
    assert validate_siret(siret) == siret
    assert identify(" ".join([siret[:3], siret[3:6], siret[6:9], siret[9:]])).value == siret


@no_database
@given(prefix=digits, position=st.integers(min_value=0, max_value=13), shift=st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_breaks_the_checksum(prefix, position, shift):
    siret = prefix + luhn_check_digit(prefix)
    changed = siret[:position] + str((int(siret[position]) + shift) % 10) + siret[position + 1 :]
    assert not luhn_valid(changed)
    assume(not changed.startswith("356000000"))  # La Poste's rule is weaker
    with pytest.raises(ValidationError, match="Luhn"):
        validate_siret(changed)


@no_database
@given(nic=st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_la_poste_sirets_follow_the_digit_sum_rule(nic):
    siret = f"356000000{nic}"
    valid = sum(map(int, siret)) % 5 == 0 or luhn_valid(siret)
    if valid:
        assert validate_siret(siret) == siret
    else:
        with pytest.raises(ValidationError):
            validate_siret(siret)


@no_database
@given(value=st.text(max_size=20))
def test_identify_either_returns_a_canonical_value_or_a_french_reason(value):
    try:
        identifier = identify(value)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
    else:
        assert identifier.value == normalize(identifier.value)
        assert len(identifier.value) <= 14
