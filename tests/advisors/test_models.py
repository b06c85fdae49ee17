import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cnum.advisors.enums import ContractEndReason, ContractKind
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Training
from cnum.core.models import AuditEvent
from cnum.structures.enums import StructureType
from tests.advisors.factories import (
    AdvisorFactory,
    ContractFactory,
    SiteAssignmentFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.structures.factories import PostFactory, StructureFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def contract_on(post, **fields):
    values = {"advisor": AdvisorFactory(), "structure": post.structure, "post": post, "kind": ContractKind.CDD}
    return Contract(**(values | fields))


def messages(excinfo) -> str:
    return " ".join(message for messages in excinfo.value.message_dict.values() for message in messages)


def test_a_contract_cannot_end_before_it_starts():
    contract = contract_on(PostFactory(), start=D(2024, 5, 1), end=D(2024, 4, 30))
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean()
    assert excinfo.value.message_dict["end"] == ["La date de fin doit être postérieure ou égale à la date de début."]


def test_the_database_refuses_a_period_ending_before_it_starts_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteAssignmentFactory(start=D(2024, 5, 1), end=D(2024, 4, 1))


def test_the_post_must_belong_to_the_employer():
    contract = contract_on(PostFactory(), start=D(2024, 1, 1))
    contract.structure = StructureFactory()
    with pytest.raises(ValidationError, match="n'appartient pas à la structure employeuse"):
        contract.full_clean()


def test_a_post_holds_one_contract_at_a_time():
    holder = ContractFactory(start=D(2024, 1, 1), end=D(2024, 12, 31), end_reason=ContractEndReason.RESIGNATION)
    overlapping = contract_on(holder.post, start=D(2024, 12, 31))
    with pytest.raises(ValidationError) as excinfo:
        overlapping.full_clean()
    assert f"Ce poste est déjà occupé par {holder.advisor} (du 01/01/2024 au 31/12/2024)" in messages(excinfo)
    contract_on(holder.post, start=D(2025, 1, 1)).full_clean()  # the day after: fine


def test_an_open_ended_contract_blocks_every_later_start():
    holder = ContractFactory(start=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="un poste ne porte qu'un contrat à la fois"):
        contract_on(holder.post, start=D(2030, 1, 1)).full_clean()
    with pytest.raises(ValidationError, match="déjà occupé"):
        contract_on(holder.post, start=D(2023, 1, 1), end=D(2024, 1, 1), end_reason="resignation").full_clean()
    contract_on(holder.post, start=D(2023, 1, 1), end=D(2023, 12, 31), end_reason="resignation").full_clean()


def test_editing_a_contract_does_not_collide_with_itself():
    contract = ContractFactory(start=D(2024, 1, 1))
    contract.kind = ContractKind.CDI
    contract.full_clean()


def test_an_ended_contract_says_why_a_planned_end_need_not():
    post = PostFactory()
    with pytest.raises(ValidationError) as excinfo:
        contract_on(post, start=D(2024, 1, 1), end=D(2024, 6, 30)).full_clean()
    assert excinfo.value.message_dict["end_reason"] == ["Indiquez le motif de fin d'un contrat terminé."]
    contract_on(post, start=D(2024, 1, 1), end=datetime.date.today() + datetime.timedelta(days=90)).full_clean()


def test_an_end_reason_needs_an_end_and_must_fit_the_contract_kind():
    post = PostFactory()
    with pytest.raises(ValidationError, match="Indiquez la date de fin"):
        contract_on(post, start=D(2024, 1, 1), end_reason=ContractEndReason.DISMISSAL).full_clean()
    cdi = contract_on(
        post, kind=ContractKind.CDI, start=D(2024, 1, 1), end=D(2024, 3, 1), end_reason="converted_to_cdi"
    )
    with pytest.raises(ValidationError, match="ne s'applique pas à un CDI"):
        cdi.full_clean()


def test_a_returned_post_takes_no_new_contract():
    post = PostFactory(returned=True)
    with pytest.raises(ValidationError, match="Ce poste a été rendu : il ne peut plus accueillir de contrat"):
        contract_on(post, start=D(2024, 1, 1)).full_clean()


def test_a_contract_cannot_start_after_its_post_was_returned():
    post = PostFactory(returned_on=D(2024, 6, 30))
    with pytest.raises(ValidationError, match="rendu le 30/06/2024"):
        contract_on(post, start=D(2024, 7, 1)).full_clean()


def test_current_contracts_include_their_first_and_last_day():
    contract = ContractFactory(start=D(2024, 1, 1), end=D(2024, 6, 30), end_reason="resignation")
    assert list(Contract.objects.current(D(2024, 1, 1))) == [contract]
    assert list(Contract.objects.current(D(2024, 6, 30))) == [contract]
    assert not Contract.objects.current(D(2024, 7, 1)).exists()
    assert not Contract.objects.current(D(2023, 12, 31)).exists()
    assert list(Contract.objects.ended(D(2024, 7, 1))) == [contract]


def test_advisor_email_is_unique_without_case():
    AdvisorFactory(email="camille.martin@exemple.fr")
    duplicate = Advisor(first_name="Camille", last_name="Martin", email="Camille.Martin@Exemple.fr")
    with pytest.raises(ValidationError, match="existe déjà"):
        duplicate.full_clean()
    Advisor(first_name="Sans", last_name="Courriel").full_clean()
    AdvisorFactory(email="")
    AdvisorFactory(email="")  # several advisors without an address are fine


def test_site_assignments_and_memberships_do_not_overlap_themselves():
    assignment = SiteAssignmentFactory(start=D(2024, 1, 1))
    again = SiteAssignment(advisor=assignment.advisor, site=assignment.site, start=D(2024, 3, 1))
    with pytest.raises(ValidationError, match="déjà rattaché à ce lieu"):
        again.full_clean()
    membership = TeamMembershipFactory(left=True)
    membership.pk = None
    membership._state.adding = True
    membership.start, membership.end = D(2024, 7, 1), None
    membership.full_clean()  # joining again after leaving
    membership.start = D(2024, 6, 1)
    with pytest.raises(ValidationError, match="fait déjà partie de cette équipe"):
        membership.full_clean()


def test_pix_level_goes_from_0_to_8():
    training = TrainingFactory.build(advisor=AdvisorFactory(), pix_level=9)
    with pytest.raises(ValidationError) as excinfo:
        training.full_clean()
    assert "pix_level" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Training.objects.filter(pk=TrainingFactory(certified=True).pk).update(pix_level=9)


def test_changes_are_recorded_in_the_audit_trail():
    contract = ContractFactory()
    contract.kind = ContractKind.CDI
    contract.save()
    events = AuditEvent.objects.filter(content_type__model="contract", object_id=str(contract.pk))
    assert [event.action for event in events.order_by("at", "pk")] == ["create", "update"]
    assert events.order_by("at", "pk").last().changes["kind"] == ["cdd", "cdi"]


def test_a_contrat_de_projet_public_is_for_public_employers_only():
    association = PostFactory(structure=StructureFactory(type=StructureType.ASSOCIATION, name="Les Amis du Net"))
    contract = contract_on(association, kind=ContractKind.PUBLIC_PROJECT, start=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="« Contrat de projet public » est réservé aux employeurs publics"):
        contract.full_clean()
    contract_on(association, kind=ContractKind.PEC, start=D(2024, 1, 1)).full_clean()
    commune = PostFactory(structure=StructureFactory(type=StructureType.COMMUNE))
    contract_on(commune, kind=ContractKind.PUBLIC_PROJECT, start=D(2024, 1, 1)).full_clean()
