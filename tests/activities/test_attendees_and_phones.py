"""Namesakes told apart in the attendee lists; French phone numbers only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cnum.core.validators import french_phone
from tests.activities.factories import BeneficiaryFactory
from tests.sites.factories import commune

pytestmark = pytest.mark.django_db


def test_namesakes_are_told_apart_and_picked_by_search(advisor_client, advisor, cog):
    for year, code in ((1956, "69266"), (1988, "69123"), (None, None)):
        BeneficiaryFactory(
            advisor=advisor,
            followed=True,
            first_name="Ahmed",
            last_name="Chevalier",
            birth_year=year,
            commune=commune(code) if code else None,
            phone="06 12 34 56 78" if year is None else "",
        )
    html = advisor_client.get(reverse("activities:create")).content.decode()
    assert "Ahmed Chevalier (né·e en 1956, Villeurbanne)" in html
    assert "Ahmed Chevalier (né·e en 1988, Lyon)" in html
    assert "Ahmed Chevalier (tél. …78)" in html
    assert 'data-filter-choices="id_beneficiaries"' in html and 'type="checkbox" name="beneficiaries"' in html


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0450568749", "04 50 56 87 49"),
        ("04.50.56.87.49", "04 50 56 87 49"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("+262 262 12 34 56", "+262 262123456"),
        ("0692 12 34 56", "06 92 12 34 56"),
    ],
)
def test_french_phone_numbers_are_accepted_and_written_for_people(typed, kept):
    assert french_phone(typed) == kept


@pytest.mark.parametrize("typed", ["12", "0012345", "00 00 00 00 00", "+44 20 7946 0958", "06 12 34 56", "abc"])
def test_other_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        french_phone(typed)


def test_the_beneficiary_form_refuses_a_phone_of_two_digits(advisor_client):
    data = {"first_name": "Anne", "last_name": "Durand", "consent_date": "2025-01-02", "phone": "12"}
    response = advisor_client.post(reverse("activities:beneficiary_create"), data)
    assert response.status_code == 200
    assert "Numéro de téléphone français attendu" in response.content.decode()
