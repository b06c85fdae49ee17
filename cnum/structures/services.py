"""How posts are granted and given back: COSELEC decisions, then amendments (avenants) to add or withdraw posts.

DOMAIN.md: posts are granted by the national selection committee (COSELEC), after the prefect's opinion; a structure
may later ask for more posts or give some back (amendment `add | withdraw`): the prefecture gives a favourable or
unfavourable opinion, then the programme team decides. Each function checks its rule and raises a ValidationError
with a French message when the request cannot be granted; nothing is written then.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cnum.structures.enums import (
    AmendmentKind,
    ApplicationStatus,
    CoselecOutcome,
    Decision,
    Opinion,
    Phase,
    PostStatus,
)
from cnum.structures.models import CoselecDecision, Post, PostAmendment, Structure


@transaction.atomic
def coselec_decide(
    *,
    structure: Structure,
    date: datetime.date,
    phase: int,
    outcome: str,
    posts_granted: int,
    number: str = "",
    comment: str = "",
    decided_by,
) -> CoselecDecision:
    """Record a COSELEC decision on the structure's application.

    A favourable decision grants at least one post and creates them, vacant from the decision date since nobody
    holds them yet; an unfavourable one grants none. The application status follows the decision.
    """
    if outcome == CoselecOutcome.APPROVED and posts_granted < 1:
        raise ValidationError("Une décision favorable accorde au moins un poste.")
    if outcome == CoselecOutcome.REFUSED and posts_granted:
        raise ValidationError("Une décision défavorable n'accorde aucun poste.")
    decision = CoselecDecision.objects.create(
        structure=structure,
        date=date,
        phase=phase,
        outcome=outcome,
        posts_granted=posts_granted,
        number=number,
        comment=comment,
        decided_by=decided_by,
    )
    for _ in range(posts_granted):
        Post.objects.create(structure=structure, granted_by=decision, phase=phase, granted_on=date, vacant_since=date)
    structure.application_status = (
        ApplicationStatus.COSELEC_APPROVED if outcome == CoselecOutcome.APPROVED else ApplicationStatus.COSELEC_REFUSED
    )
    structure.save(update_fields=["application_status", "updated_at"])
    return decision


@transaction.atomic
def amendment_request(
    *, structure: Structure, kind: str, posts_count: int, reason: str, requested_by
) -> PostAmendment:
    """Ask for `posts_count` more posts (add) or give back as many (withdraw).

    Only a structure approved in COSELEC asks for posts; one request at a time; a structure cannot give back more
    posts than it has.
    """
    if posts_count < 1:
        raise ValidationError("Indiquez un nombre de postes d'au moins 1.")
    if structure.amendments.filter(decision=Decision.PENDING).exists():
        raise ValidationError("Une demande d'avenant est déjà en cours pour cette structure : attendez sa décision.")
    if kind == AmendmentKind.ADD and structure.application_status != ApplicationStatus.COSELEC_APPROVED:
        raise ValidationError(
            "Seule une structure dont la candidature a été validée en COSELEC peut demander des postes."
        )
    if kind == AmendmentKind.WITHDRAW:
        active = structure.posts.active().count()
        if posts_count > active:
            raise ValidationError(
                f"La structure n'a que {active} poste(s) actif(s) : elle ne peut en rendre {posts_count}."
            )
    return PostAmendment.objects.create(
        structure=structure, kind=kind, posts_count=posts_count, reason=reason, requested_by=requested_by
    )


@transaction.atomic
def amendment_give_opinion(*, amendment: PostAmendment, opinion: str, comment: str, by) -> PostAmendment:
    """The prefecture's opinion, favourable or unfavourable, given once and before the national decision.

    An unfavourable opinion says why.
    """
    amendment = PostAmendment.objects.select_for_update().get(pk=amendment.pk)
    if amendment.is_decided:
        raise ValidationError("La décision nationale a déjà été prise : l'avis ne peut plus être donné.")
    if amendment.has_opinion:
        raise ValidationError(
            f"La préfecture a déjà donné son avis ({amendment.get_prefecture_opinion_display().lower()}) "
            f"le {timezone.localtime(amendment.opinion_at):%d/%m/%Y}."
        )
    if opinion == Opinion.UNFAVOURABLE and not comment.strip():
        raise ValidationError("Motivez un avis défavorable dans le commentaire.")
    amendment.prefecture_opinion = opinion
    amendment.prefecture_comment = comment.strip()
    amendment.opinion_by = by
    amendment.opinion_at = timezone.now()
    amendment.save()
    return amendment


@transaction.atomic
def amendment_decide(
    *, amendment: PostAmendment, decision: str, by, today: datetime.date | None = None
) -> PostAmendment:
    """The national decision, after the prefecture's opinion.

    Approving an addition creates the posts (vacant from today, in the phase of the structure's last COSELEC
    decision); approving a withdrawal returns that many active posts, vacant ones first (longest vacant first),
    then the most recently granted. Refusing changes no post.
    """
    today = today or timezone.localdate()
    amendment = PostAmendment.objects.select_for_update().select_related("structure").get(pk=amendment.pk)
    if decision not in (Decision.APPROVED, Decision.REFUSED):
        raise ValidationError("Choisissez d'accorder ou de refuser l'avenant.")
    if amendment.is_decided:
        raise ValidationError(f"Cet avenant a déjà été décidé ({amendment.get_decision_display().lower()}).")
    if not amendment.has_opinion:
        raise ValidationError("Impossible de décider avant l'avis de la préfecture.")
    if decision == Decision.APPROVED:
        if amendment.kind == AmendmentKind.ADD:
            _add_posts(amendment, today)
        else:
            _return_posts(amendment, today)
    amendment.decision = decision
    amendment.decided_on = today
    amendment.decided_by = by
    amendment.save()
    return amendment


def _add_posts(amendment: PostAmendment, today: datetime.date) -> None:
    structure = amendment.structure
    last_decision = structure.coselec_decisions.order_by("-date", "-id").first()
    phase = last_decision.phase if last_decision else Phase.PHASE_1
    for _ in range(amendment.posts_count):
        Post.objects.create(structure=structure, phase=phase, granted_on=today, vacant_since=today, added_by=amendment)


def _return_posts(amendment: PostAmendment, today: datetime.date) -> None:
    posts = list(
        amendment.structure.posts.active()
        .select_for_update()
        .order_by(F("vacant_since").asc(nulls_last=True), "-granted_on", "-id")[: amendment.posts_count]
    )
    if len(posts) < amendment.posts_count:
        raise ValidationError(
            f"La structure n'a plus que {len(posts)} poste(s) actif(s) : "
            f"impossible d'en rendre {amendment.posts_count}."
        )
    for post in posts:
        post.status = PostStatus.RETURNED
        post.returned_on = today
        post.returned_by = amendment
        post.save()
