import datetime

import pytest
from django.core.exceptions import ValidationError

from cnum.activities import services
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from tests.activities.factories import ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract():
    return ContractFactory()


@pytest.fixture
def advisor(contract):
    return contract.advisor


def data(**changes):
    values = {
        "type": "individuel",
        "date": datetime.date(2025, 3, 10),
        "duration_minutes": 30,
        "place_type": "lieu_activite",
        "site": SiteFactory(),
        "themes": ["email"],
    }
    return {**values, **changes}


def test_record_individual_anonymous(advisor, contract):
    activity = services.activity_record(
        advisor=advisor, data=data(genre="feminin", age_bracket="soixante_dix_plus", progressed="oui"), by=None
    )
    assert activity.structure == contract.structure
    accompaniment = activity.accompaniments.get()
    assert accompaniment.is_first and accompaniment.progressed == "oui"
    person = accompaniment.beneficiary
    assert not person.is_followed and person.genre == "feminin" and person.age_bracket == "soixante_dix_plus"


def test_record_without_contract_fails():
    with pytest.raises(ValidationError, match="Aucun contrat en cours"):
        services.activity_record(advisor=AdvisorFactory(), data=data(), by=None)
    assert not Activity.objects.exists()


def test_record_invalid_data_gives_messages_per_field(advisor):
    with pytest.raises(ValidationError) as error:
        services.activity_record(advisor=advisor, data=data(themes=[]), by=None)
    assert error.value.message_dict == {"themes": ["Choisissez au moins une thématique."]}


def test_record_followed_beneficiary_of_this_advisor_only(advisor):
    mine = BeneficiaryFactory(advisor=advisor, followed=True)
    activity = services.activity_record(advisor=advisor, data=data(beneficiary=mine), by=None)
    assert activity.accompaniments.get().beneficiary == mine
    other = BeneficiaryFactory(followed=True)
    with pytest.raises(ValidationError):
        services.activity_record(advisor=advisor, data=data(beneficiary=other), by=None)


def test_record_collective(advisor):
    followed = BeneficiaryFactory(advisor=advisor, followed=True)
    values = data(type="collectif", level="debutant", anonymous_participants=0, beneficiaries=[followed])
    activity = services.activity_record(advisor=advisor, data=values, by=None)
    assert activity.accompaniments.get().beneficiary == followed
    with pytest.raises(ValidationError):
        services.activity_record(advisor=advisor, data={**values, "beneficiaries": []}, by=None)


def test_first_flags_follow_creation_edit_and_deletion(advisor):
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    later = services.activity_record(advisor=advisor, data=data(beneficiary=person), by=None)
    earlier = services.activity_record(
        advisor=advisor, data=data(beneficiary=person, date=datetime.date(2025, 1, 5)), by=None
    )

    def firsts():
        return {a.activity_id: a.is_first for a in Accompaniment.objects.filter(beneficiary=person)}

    assert firsts() == {later.pk: False, earlier.pk: True}
    services.activity_update(activity=earlier, data=data(beneficiary=person, date=datetime.date(2025, 4, 1)), by=None)
    assert firsts() == {later.pk: True, earlier.pk: False}
    services.activity_delete(activity=later)
    assert firsts() == {earlier.pk: True}


def test_same_date_earliest_id_is_first(advisor):
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    one = services.activity_record(advisor=advisor, data=data(beneficiary=person), by=None)
    two = services.activity_record(advisor=advisor, data=data(beneficiary=person), by=None)
    assert one.accompaniments.get().is_first and not two.accompaniments.get().is_first


def test_update_to_collective_removes_the_anonymous_person(advisor):
    activity = services.activity_record(advisor=advisor, data=data(), by=None)
    person = activity.accompaniments.get().beneficiary
    services.activity_update(
        activity=activity, data=data(type="collectif", anonymous_participants=3, level="debutant"), by=None
    )
    assert not activity.accompaniments.exists()
    assert not Beneficiary.objects.filter(pk=person.pk).exists()


def test_update_keeps_the_anonymous_person(advisor):
    activity = services.activity_record(advisor=advisor, data=data(genre="masculin"), by=None)
    person = activity.accompaniments.get().beneficiary
    services.activity_update(activity=activity, data=data(genre="feminin", duration_minutes=45), by=None)
    person.refresh_from_db()
    assert activity.accompaniments.get().beneficiary == person and person.genre == "feminin"


def test_delete_keeps_followed_and_removes_anonymous(advisor):
    followed = BeneficiaryFactory(advisor=advisor, followed=True)
    one = services.activity_record(advisor=advisor, data=data(beneficiary=followed), by=None)
    two = services.activity_record(advisor=advisor, data=data(), by=None)
    anonymous = two.accompaniments.get().beneficiary
    services.activity_delete(activity=one)
    services.activity_delete(activity=two)
    assert Beneficiary.objects.filter(pk=followed.pk).exists()
    assert not Beneficiary.objects.filter(pk=anonymous.pk).exists()


def test_follow_requires_consent(advisor):
    with pytest.raises(ValidationError) as error:
        services.beneficiary_follow(advisor=advisor, first_name="Anne", last_name="Durand", consent_date=None)
    assert "consent_date" in error.value.message_dict
    person = services.beneficiary_follow(
        advisor=advisor, first_name="Anne-Éloïse", last_name="D'Urand", consent_date=datetime.date(2025, 1, 2)
    )
    assert person.is_followed and person.normalized_name == "anne eloise d urand"


def test_find_duplicates(advisor):
    def follow(first, last, **fields):
        return services.beneficiary_follow(
            advisor=advisor, first_name=first, last_name=last, consent_date=datetime.date(2025, 1, 2), **fields
        )

    anne = follow("Anne-Élise", "Durand")
    anne_again = follow("anne elise", "DURAND")
    paul = follow("Paul", "Martin", phone="06 12 34 56 78")
    paul_again = follow("P.", "Martin", phone="+33 6 12 34 56 78")
    pierre = follow("Pierre", "Leroy", email="p.leroy@exemple.fr")
    pierre_again = follow("Pierrot", "Leroy", email="P.Leroy@exemple.fr ")
    follow("Marie", "Curie")
    BeneficiaryFactory(advisor=advisor, followed=True, first_name="Marie", last_name="Curie", erased_at=None)
    other_advisor = BeneficiaryFactory(followed=True, first_name="Anne-Élise", last_name="Durand")
    groups = [{p.pk for p in group} for group in services.find_duplicates(advisor)]
    assert {anne.pk, anne_again.pk} in groups
    assert {paul.pk, paul_again.pk} in groups
    assert {pierre.pk, pierre_again.pk} in groups
    assert all(other_advisor.pk not in group for group in groups)


def test_merge_moves_accompaniments_and_recomputes_first(advisor):
    keep = BeneficiaryFactory(advisor=advisor, followed=True, phone="")
    merge = BeneficiaryFactory(advisor=advisor, followed=True, phone="0612345678")
    late = services.activity_record(advisor=advisor, data=data(beneficiary=keep), by=None)
    early = services.activity_record(
        advisor=advisor, data=data(beneficiary=merge, date=datetime.date(2024, 5, 1)), by=None
    )
    services.beneficiaries_merge(keep=keep, merge=merge)
    assert not Beneficiary.objects.filter(pk=merge.pk).exists()
    firsts = {a.activity_id: a.is_first for a in keep.accompaniments.all()}
    assert firsts == {early.pk: True, late.pk: False}
    keep.refresh_from_db()
    assert keep.phone == "0612345678"


def test_merge_refuses_other_advisors_beneficiary(advisor):
    with pytest.raises(ValidationError):
        services.beneficiaries_merge(
            keep=BeneficiaryFactory(advisor=advisor, followed=True), merge=BeneficiaryFactory(followed=True)
        )


def test_erase_blanks_personal_data_and_keeps_counts(advisor):
    person = BeneficiaryFactory(advisor=advisor, followed=True, phone="0612345678", email="a@exemple.fr")
    activity = ActivityFactory(advisor=advisor, accompaniment__beneficiary=person)
    services.beneficiary_erase(beneficiary=person)
    person.refresh_from_db()
    assert person.erased_at and person.first_name == person.last_name == person.phone == person.email == ""
    assert person.is_followed
    assert activity.accompaniments.get().beneficiary == person
    assert Accompaniment.objects.filter(beneficiary__is_followed=True).count() == 1
    assert str(person) == f"Bénéficiaire anonyme n° {person.pk}"


def test_factories():
    assert ActivityFactory(followed=True).accompaniments.get().beneficiary.is_followed
    assert not ActivityFactory(individual=True).accompaniments.get().beneficiary.is_followed
    assert not ActivityFactory(collective=True).accompaniments.exists()


def test_the_audit_trail_never_names_a_followed_beneficiary(advisor):
    from cnum.core.models import AuditEvent

    person = services.beneficiary_follow(
        advisor=advisor, first_name="Josiane", last_name="Balasko", consent_date=datetime.date(2025, 1, 2)
    )
    person.phone, person.genre = "0612345678", "feminin"
    person.save()
    events = AuditEvent.objects.filter(object_id=str(person.pk), content_type__model="beneficiary")
    assert events.count() == 2
    for event in events:
        assert event.object_repr == f"Bénéficiaire n° {person.pk}"
        assert "Balasko" not in str(event.changes) and "0612345678" not in str(event.changes)
