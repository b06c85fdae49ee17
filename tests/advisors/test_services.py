"""Post.vacant_since follows the contracts: services.py states the rule."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cnum.advisors import services
from cnum.advisors.enums import ContractEndReason, ContractKind
from cnum.advisors.models import Advisor, Contract
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.structures.factories import PostFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)


def start(post, on, **fields):
    return services.contract_start(
        advisor=fields.pop("advisor", None) or AdvisorFactory(),
        structure=post.structure,
        post=post,
        kind=fields.pop("kind", ContractKind.CDD),
        start=on,
        **fields,
    )


def vacancy(post):
    post.refresh_from_db()
    return post.vacant_since


def test_starting_a_contract_fills_the_post():
    post = PostFactory(vacant_since=D(2023, 6, 1))
    contract = start(post, D(2024, 1, 1))
    assert contract.pk and contract.post == post
    assert vacancy(post) is None


def test_ending_the_last_contract_makes_the_post_vacant_from_its_end():
    post = PostFactory()
    contract = start(post, D(2024, 1, 1))
    services.contract_end(contract=contract, end=D(2024, 6, 30), end_reason=ContractEndReason.RESIGNATION)
    assert vacancy(post) == D(2024, 6, 30)
    contract.refresh_from_db()
    assert (contract.end, contract.end_reason) == (D(2024, 6, 30), "resignation")


def test_a_successor_fills_the_post_again_and_its_end_counts():
    post = PostFactory()
    first = start(post, D(2023, 1, 1))
    services.contract_end(contract=first, end=D(2023, 12, 31), end_reason=ContractEndReason.FIXED_TERM_NOT_RENEWED)
    second = start(post, D(2024, 3, 1))
    assert vacancy(post) is None
    services.contract_end(contract=second, end=D(2024, 9, 30), end_reason=ContractEndReason.END_OF_FUNDING)
    assert vacancy(post) == D(2024, 9, 30)


def test_an_overlapping_contract_is_refused_and_the_post_is_unchanged():
    post = PostFactory()
    holder = start(post, D(2024, 1, 1))
    with pytest.raises(ValidationError, match="Ce poste est déjà occupé par"):
        start(post, D(2024, 5, 1))
    assert list(post.contracts.all()) == [holder]
    assert vacancy(post) is None


def test_a_returned_post_is_refused_and_keeps_its_vacancy():
    post = PostFactory(returned=True, vacant_since=D(2023, 6, 1))
    with pytest.raises(ValidationError, match="Ce poste a été rendu"):
        start(post, D(2024, 1, 1))
    assert not Contract.objects.exists()
    assert vacancy(post) == D(2023, 6, 1)


def test_ending_the_contract_of_a_post_returned_since_records_the_vacancy():
    post = PostFactory()
    contract = start(post, D(2024, 1, 1))
    post.status, post.returned_on = "returned", D(2024, 8, 31)
    post.save()
    services.contract_end(contract=contract, end=D(2024, 8, 31), end_reason=ContractEndReason.END_OF_FUNDING)
    assert vacancy(post) == D(2024, 8, 31)


def test_a_planned_end_keeps_the_post_filled_until_that_day():
    today = timezone.localdate()
    post = PostFactory()
    contract = start(post, D(2024, 1, 1))
    services.contract_end(contract=contract, end=today + 30 * DAY, end_reason=ContractEndReason.RESIGNATION)
    assert vacancy(post) is None
    assert services.refresh_post_vacancies(today=today + 31 * DAY) == 1
    assert vacancy(post) == today + 30 * DAY


def test_a_contract_starting_later_fills_the_post_on_its_first_day():
    today = timezone.localdate()
    post = PostFactory(vacant_since=D(2023, 6, 1))
    start(post, today + 10 * DAY)
    assert vacancy(post) == D(2023, 6, 1)
    assert services.refresh_post_vacancies(today=today + 10 * DAY) == 1
    assert vacancy(post) is None


def test_refresh_command_reports_what_it_changed():
    post = PostFactory()
    Contract.objects.filter(pk=ContractFactory(post=post, structure=post.structure).pk).update(
        end=D(2024, 6, 30), end_reason="resignation"
    )  # a bulk update skips the signals: the daily command catches up
    out = io.StringIO()
    call_command("refresh_post_vacancies", stdout=out)
    assert "1 poste(s) mis à jour." in out.getvalue()
    assert vacancy(post) == D(2024, 6, 30)


def test_correcting_a_contract_onto_another_post_frees_the_first():
    first_post = PostFactory(vacant_since=None)
    contract = start(first_post, D(2024, 1, 1))
    other_post = PostFactory(structure=first_post.structure)
    services.contract_update(
        contract=contract, post=other_post, kind=ContractKind.CDI, start=D(2024, 1, 1), end=None, end_reason=""
    )
    assert vacancy(other_post) is None
    assert vacancy(first_post) == first_post.granted_on  # never really held: vacant since it was granted
    assert Contract.objects.get().kind == ContractKind.CDI


def test_contracts_saved_or_deleted_outside_the_services_keep_the_post_true():
    contract = ContractFactory(start=D(2024, 1, 1))  # as an import or the admin would
    assert vacancy(contract.post) is None
    contract.end, contract.end_reason = D(2024, 4, 30), ContractEndReason.DISMISSAL
    contract.save()
    assert vacancy(contract.post) == D(2024, 4, 30)
    later = ContractFactory(post=contract.post, structure=contract.structure, start=D(2024, 6, 1))
    assert vacancy(contract.post) is None
    later.delete()
    assert vacancy(contract.post) == D(2024, 4, 30)


def test_deleting_an_advisor_frees_their_posts():
    contract = ContractFactory(start=D(2024, 1, 1))
    contract.advisor.delete()
    assert vacancy(contract.post) == contract.post.granted_on


def test_advisor_create_records_the_first_contract_or_nothing():
    post = PostFactory()
    advisor = services.advisor_create(
        first_name="Camille",
        last_name="Martin",
        email="Camille.Martin@exemple.fr",
        structure=post.structure,
        post=post,
        kind=ContractKind.PEC,
        start=D(2024, 2, 1),
    )
    assert advisor.email == "camille.martin@exemple.fr"
    assert advisor.contracts.get().post == post
    assert vacancy(post) is None
    with pytest.raises(ValidationError, match="déjà occupé"):
        services.advisor_create(
            first_name="Yanis",
            last_name="Benali",
            structure=post.structure,
            post=post,
            kind="cdd",
            start=D(2024, 3, 1),
        )
    assert not Advisor.objects.filter(last_name="Benali").exists()  # one transaction: no half-recorded advisor
