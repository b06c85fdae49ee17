import datetime

import pytest
from django.core.exceptions import ValidationError

from cnum.core.models import AuditEvent
from cnum.funding.enums import ConventionStatus, InstalmentStatus
from cnum.funding.models import Instalment
from cnum.funding.services import PostTerms, convention_create, convention_sign, instalment_pay, post_return_apply
from cnum.structures.enums import PostStatus
from tests.funding.factories import signed_convention
from tests.structures.factories import PostFactory, StructureFactory

pytestmark = pytest.mark.usefixtures("reference")


def test_signing_plans_the_instalments_and_commits_their_total():
    convention = signed_convention(posts=2, in_qpv=True)
    assert convention.status == ConventionStatus.SIGNED
    assert convention.end == datetime.date(2026, 12, 31)
    assert convention.committed_amount == 2 * 50000
    rows = Instalment.objects.filter(convention_post__convention=convention)
    assert sorted(rows.values_list("amount", flat=True)) == [12500, 12500, 17500, 17500, 20000, 20000]
    assert set(rows.values_list("due_on__year", flat=True)) == {2024, 2025, 2026}


def test_the_scheme_follows_the_employer_kind():
    convention = signed_convention(association=True)
    assert convention.scheme.code == "phase2-private"
    assert convention.committed_amount == 44000


def test_a_post_joining_late_is_funded_pro_rata():
    structure = StructureFactory(approved=True)
    early, late = PostFactory(structure=structure), PostFactory(structure=structure)
    terms = [PostTerms(post=early), PostTerms(post=late, start=datetime.date(2024, 7, 1))]
    convention = convention_create(structure=structure, phase=2, start=datetime.date(2024, 1, 1), posts=terms)
    convention = convention_sign(convention=convention, signed_on=datetime.date(2024, 1, 1))
    assert convention.committed_amount == 42500 + 17500 // 2 + 12500 + 12500


def test_a_convention_is_signed_once_and_covers_only_its_structures_posts():
    convention = signed_convention()
    with pytest.raises(ValidationError, match="brouillon"):
        convention_sign(convention=convention, signed_on=datetime.date(2024, 2, 1))
    with pytest.raises(ValidationError, match="appartenir"):
        convention_create(
            structure=StructureFactory(),
            phase=2,
            start=datetime.date(2024, 1, 1),
            posts=[PostTerms(post=PostFactory())],
        )


def test_paying_an_instalment_records_the_date_once():
    instalment = Instalment.objects.filter(convention_post__convention=signed_convention()).first()
    instalment_pay(instalment=instalment, paid_on=datetime.date(2024, 2, 1))
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID and instalment.paid_on == datetime.date(2024, 2, 1)
    with pytest.raises(ValidationError, match="déjà"):
        instalment_pay(instalment=instalment, paid_on=datetime.date(2024, 2, 2))


def test_returning_a_post_vacant_for_more_than_six_months_cancels_its_future_instalments():
    today = datetime.date(2025, 3, 1)
    convention = signed_convention(post_kwargs={"vacant_since": datetime.date(2024, 6, 1)})
    post = convention.posts.get().post
    cancelled = post_return_apply(post=post, today=today)
    post.refresh_from_db()
    assert post.status == PostStatus.RETURNED and post.returned_on == today
    # Phase 2 pays at the end of each convention year: year 3 is cancelled; year 2, in progress, is owed for
    # January to March (the month of the return counts in full), due on the return day.
    assert [i.due_on for i in cancelled] == [datetime.date(2026, 12, 31)]
    assert convention.posts.get().end == today
    statuses = dict(Instalment.objects.values_list("due_on__year", "status"))
    assert statuses == {
        2024: InstalmentStatus.PLANNED,
        2025: InstalmentStatus.PLANNED,
        2026: InstalmentStatus.CANCELLED,
    }
    in_progress = Instalment.objects.get(rank=2)
    assert (in_progress.due_on, in_progress.months, in_progress.amount) == (today, 3, 12_500 * 3 // 12)
    assert AuditEvent.objects.filter(object_repr__startswith=str(post)).exists()


def test_a_post_vacant_for_less_than_six_months_is_not_returned():
    convention = signed_convention(post_kwargs={"vacant_since": datetime.date(2025, 1, 1)})
    with pytest.raises(ValidationError, match="six mois"):
        post_return_apply(post=convention.posts.get().post, today=datetime.date(2025, 3, 1))
