import datetime
from collections import Counter

import pytest

from cnum.core.models import AuditEvent
from cnum.demo.funding import PHASE_2_FIRST_START, PHASE_2_LAST_START, demo_funding_create
from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import Convention, GrantScheme, Instalment
from cnum.structures.enums import ConventionStatus
from tests.structures.factories import CoselecDecisionFactory, PostFactory, StructureFactory

TODAY = datetime.date(2026, 1, 15)


@pytest.fixture
def demo_structures(db):
    structures = []
    for number in range(12):
        structure = StructureFactory(
            source="demo-cnfs-2022",
            association=number % 3 == 0,
            qpv=number % 4 == 0,
            convention_status=ConventionStatus.RENEWAL_VALIDATED if number % 5 else ConventionStatus.VALIDATED,
        )
        decision = CoselecDecisionFactory(structure=structure, date=datetime.date(2021, 1 + number % 10, 20))
        PostFactory.create_batch(1 + number % 2, structure=structure, granted_by=decision)
        structures.append(structure)
    return structures


def test_demo_funding_gives_every_structure_a_phase_1_convention_and_renews_the_re_engaged(demo_structures):
    summary = demo_funding_create(seed=7, today=TODAY)
    assert summary["conventions"] == Convention.objects.count()
    phases = Counter(Convention.objects.values_list("phase", flat=True))
    renewed = sum(1 for s in demo_structures if s.convention_status == ConventionStatus.RENEWAL_VALIDATED)
    assert phases == {1: len(demo_structures), 2: renewed}
    for convention in Convention.objects.filter(phase=2):
        assert PHASE_2_FIRST_START <= convention.start <= PHASE_2_LAST_START
        assert convention.scheme == GrantScheme.objects.get(
            phase=2, employer_kind="public" if convention.structure.is_public else "private"
        )
    for convention in Convention.objects.all():
        total = sum(Instalment.objects.filter(convention_post__convention=convention).values_list("amount", flat=True))
        assert convention.committed_amount == total > 0
    paid = Instalment.objects.filter(status=InstalmentStatus.PAID)
    assert paid.exists() and all(i.paid_on <= TODAY and i.paid_on >= i.due_on for i in paid)
    assert not Instalment.objects.filter(status=InstalmentStatus.PLANNED, due_on__lt=TODAY - datetime.timedelta(60))
    assert AuditEvent.objects.filter(object_repr="Conventions de démonstration").exists()
    assert demo_funding_create(seed=7, today=TODAY) == {}  # once only
