import decimal

import pytest

from cnum.core.tabular import safe_cell, safe_row


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1", "\r=1+1", "-", "+33 1 80 05 67 89"],
)
def test_a_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-2, -1.5, decimal.Decimal("-3.20"), 0, True, None, "", "ok", "a=b", "é-@"])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert safe_cell(value) == value and type(safe_cell(value)) is type(value)


@pytest.mark.parametrize("value", ["-2", "+33180056789", "-1,5", "-0.25"])
def test_a_text_that_is_one_signed_number_is_left_as_it_is(value):
    """The national sites schema requires phones written "+33…"; a lone number calls nothing."""
    assert safe_cell(value) == value


def test_safe_row():
    assert safe_row(["=A1", 3, "x"]) == ["'=A1", 3, "x"]
