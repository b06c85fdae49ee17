import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cnum.structures import services
from cnum.structures.enums import (
    AmendmentKind,
    ApplicationStatus,
    CoselecOutcome,
    Decision,
    Opinion,
    Phase,
    PostStatus,
)
from cnum.structures.models import Post
from tests.accounts.factories import UserFactory
from tests.structures.factories import (
    CoselecDecisionFactory,
    PostAmendmentFactory,
    PostFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 3, 1)


@pytest.fixture
def agent():
    return UserFactory(programme_team=True)


def test_a_favourable_coselec_decision_creates_vacant_posts_and_approves_the_application(agent):
    structure = StructureFactory()
    decision = services.coselec_decide(
        structure=structure,
        date=datetime.date(2021, 3, 15),
        phase=Phase.PHASE_1,
        outcome=CoselecOutcome.APPROVED,
        posts_granted=3,
        number="12",
        decided_by=agent,
    )
    structure.refresh_from_db()
    assert structure.application_status == ApplicationStatus.COSELEC_APPROVED
    posts = list(structure.posts.all())
    assert len(posts) == 3
    assert {(p.granted_by_id, p.granted_on, p.vacant_since, p.status) for p in posts} == {
        (decision.pk, datetime.date(2021, 3, 15), datetime.date(2021, 3, 15), PostStatus.ACTIVE)
    }
    assert str(decision) == f"COSELEC 12 — {structure}"
    assert decision.decided_by == agent


def test_an_unfavourable_decision_grants_nothing(agent):
    structure = StructureFactory()
    services.coselec_decide(
        structure=structure,
        date=datetime.date(2021, 3, 15),
        phase=Phase.PHASE_1,
        outcome=CoselecOutcome.REFUSED,
        posts_granted=0,
        decided_by=agent,
    )
    structure.refresh_from_db()
    assert structure.application_status == ApplicationStatus.COSELEC_REFUSED
    assert not structure.posts.exists()


@pytest.mark.parametrize(
    ("outcome", "posts", "message"),
    [
        (CoselecOutcome.APPROVED, 0, "Une décision favorable accorde au moins un poste."),
        (CoselecOutcome.REFUSED, 2, "Une décision défavorable n'accorde aucun poste."),
    ],
)
def test_inconsistent_coselec_decisions_are_refused(agent, outcome, posts, message):
    structure = StructureFactory()
    with pytest.raises(ValidationError, match=message):
        services.coselec_decide(
            structure=structure, date=TODAY, phase=1, outcome=outcome, posts_granted=posts, decided_by=agent
        )
    assert not structure.coselec_decisions.exists()


def test_the_amendment_workflow_adds_posts(agent):
    structure = CoselecDecisionFactory(phase=Phase.PHASE_2).structure
    manager, prefect = UserFactory(), UserFactory()
    amendment = services.amendment_request(
        structure=structure, kind=AmendmentKind.ADD, posts_count=2, reason="Demande forte", requested_by=manager
    )
    assert amendment.decision == Decision.PENDING and amendment.requested_by == manager
    amendment = services.amendment_give_opinion(
        amendment=amendment, opinion=Opinion.FAVOURABLE, comment="", by=prefect
    )
    assert amendment.prefecture_opinion == Opinion.FAVOURABLE and amendment.opinion_by == prefect
    amendment = services.amendment_decide(amendment=amendment, decision=Decision.APPROVED, by=agent, today=TODAY)
    assert (amendment.decision, amendment.decided_on, amendment.decided_by) == (Decision.APPROVED, TODAY, agent)
    added = list(amendment.added_posts.all())
    assert len(added) == 2
    assert {(post.phase, post.granted_on, post.vacant_since) for post in added} == {(Phase.PHASE_2, TODAY, TODAY)}


def test_approving_a_withdrawal_returns_vacant_posts_first(agent):
    structure = StructureFactory(approved=True)
    held = PostFactory(structure=structure, granted_on=datetime.date(2021, 1, 1))
    recently_vacant = PostFactory(structure=structure, vacant_since=datetime.date(2024, 12, 1))
    long_vacant = PostFactory(structure=structure, vacant_since=datetime.date(2024, 1, 1))
    amendment = PostAmendmentFactory(
        structure=structure, kind=AmendmentKind.WITHDRAW, posts_count=2, with_opinion=True
    )

    services.amendment_decide(amendment=amendment, decision=Decision.APPROVED, by=agent, today=TODAY)

    returned = Post.objects.filter(status=PostStatus.RETURNED)
    assert set(returned) == {long_vacant, recently_vacant}
    assert {(post.returned_on, post.returned_by_id) for post in returned} == {(TODAY, amendment.pk)}
    held.refresh_from_db()
    assert held.status == PostStatus.ACTIVE


def test_refusing_changes_no_post(agent):
    post = PostFactory(vacant=True)
    amendment = PostAmendmentFactory(structure=post.structure, kind=AmendmentKind.WITHDRAW, with_opinion=True)
    services.amendment_decide(amendment=amendment, decision=Decision.REFUSED, by=agent)
    post.refresh_from_db()
    assert post.status == PostStatus.ACTIVE
    assert post.structure.posts.count() == 1


def test_no_decision_before_the_prefecture_opinion(agent):
    amendment = PostAmendmentFactory()
    with pytest.raises(ValidationError, match="Impossible de décider avant l'avis de la préfecture."):
        services.amendment_decide(amendment=amendment, decision=Decision.APPROVED, by=agent)
    assert not amendment.structure.posts.exists()


def test_a_decided_amendment_is_not_decided_again(agent):
    amendment = PostAmendmentFactory(decided=True)
    with pytest.raises(ValidationError, match="déjà été décidé"):
        services.amendment_decide(amendment=amendment, decision=Decision.REFUSED, by=agent)
    with pytest.raises(ValidationError, match="La décision nationale a déjà été prise"):
        services.amendment_give_opinion(amendment=amendment, opinion=Opinion.FAVOURABLE, comment="", by=agent)


def test_opinion_once_and_motivated_when_unfavourable(agent):
    amendment = PostAmendmentFactory()
    with pytest.raises(ValidationError, match="Motivez un avis défavorable"):
        services.amendment_give_opinion(amendment=amendment, opinion=Opinion.UNFAVOURABLE, comment=" ", by=agent)
    services.amendment_give_opinion(
        amendment=amendment, opinion=Opinion.UNFAVOURABLE, comment="Pas de besoin", by=agent
    )
    with pytest.raises(ValidationError, match="La préfecture a déjà donné son avis"):
        services.amendment_give_opinion(amendment=amendment, opinion=Opinion.FAVOURABLE, comment="", by=agent)


@pytest.mark.parametrize(
    ("setup", "kind", "count", "message"),
    [
        ({"approved": False}, AmendmentKind.ADD, 1, "Seule une structure dont la candidature a été validée"),
        ({}, AmendmentKind.WITHDRAW, 3, "La structure n'a que 1 poste(s) actif(s) : elle ne peut en rendre 3."),
        ({}, AmendmentKind.ADD, 0, "au moins 1"),
    ],
)
def test_requests_that_cannot_be_granted(agent, setup, kind, count, message):
    structure = StructureFactory(**{"approved": True, **setup})
    PostFactory(structure=structure)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.amendment_request(structure=structure, kind=kind, posts_count=count, reason="", requested_by=agent)


def test_one_pending_request_at_a_time(agent):
    amendment = PostAmendmentFactory()
    with pytest.raises(ValidationError, match="déjà en cours"):
        services.amendment_request(
            structure=amendment.structure, kind=AmendmentKind.ADD, posts_count=1, reason="", requested_by=agent
        )


def test_posts_vacant_for_more_than_six_months_are_flagged_for_return():
    today = timezone.localdate()
    assert PostFactory(flagged=True).is_flagged_for_return()
    assert not PostFactory(vacant=True).is_flagged_for_return()
    assert not PostFactory().is_flagged_for_return()
    assert not PostFactory(flagged=True, returned=True).is_flagged_for_return(today=today)
