"""Convention workflows: draw up a convention for some posts, sign it (commitment and instalments), record a
payment, and give back the posts vacant for more than six months.

DOMAIN.md "Funding rules": funding is by convention per post; the commitment (AE) is the whole grant, recorded
at signature; payments (CP) follow the schedule of cnum.funding.schedules; "a post vacant > 6 months is
returned". Each function raises a ValidationError with a French message when the request cannot be granted.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cnum.funding.enums import ConventionStatus, InstalmentStatus
from cnum.funding.models import Convention, ConventionPost, GrantScheme, Instalment
from cnum.funding.schedules import convention_end, post_schedule
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post, Structure


@dataclass(frozen=True)
class PostTerms:
    """A post to cover, its zones, and the day it joins (the convention's start by default)."""

    post: Post
    in_qpv: bool = False
    in_zrr: bool = False
    start: datetime.date | None = None


@transaction.atomic
def convention_create(
    *, structure: Structure, phase: int, start: datetime.date, posts: list[PostTerms], number: str = ""
) -> Convention:
    """A draft convention for `posts` of the structure, under the scheme of its phase and employer kind."""
    if not posts:
        raise ValidationError("Une convention couvre au moins un poste.")
    if any(terms.post.structure_id != structure.pk for terms in posts):
        raise ValidationError("Tous les postes doivent appartenir à la structure de la convention.")
    if any(terms.post.status != PostStatus.ACTIVE for terms in posts):
        raise ValidationError("Un poste rendu ne peut être conventionné.")
    scheme = GrantScheme.for_post(phase=phase, structure=structure)
    end = convention_end(start, scheme.as_schedule_scheme())
    convention = Convention.objects.create(
        structure=structure, phase=phase, scheme=scheme, start=start, end=end, number=number
    )
    for terms in posts:
        post_start = terms.start or start
        if not start <= post_start <= end:
            raise ValidationError(f"Le {terms.post} doit rejoindre la convention entre son début et sa fin.")
        ConventionPost.objects.create(
            convention=convention, post=terms.post, in_qpv=terms.in_qpv, in_zrr=terms.in_zrr, start=post_start, end=end
        )
    return convention


def planned_instalments(convention_post: ConventionPost, *, scheme=None, departement: str | None = None):
    """The unsaved Instalment rows of a covered post, from its convention's scheme (bulk callers pass `scheme`,
    a schedules.Scheme, and the département to save queries)."""
    convention = convention_post.convention
    scheme = scheme or convention.scheme.as_schedule_scheme()
    if departement is None:
        departement = convention.structure.departement_id or ""
    schedule = post_schedule(
        scheme=scheme,
        convention_start=convention.start,
        post_start=convention_post.start,
        post_end=convention_post.end,
        in_zone=convention_post.in_zone,
        departement=departement,
    )
    return [
        Instalment(convention_post=convention_post, rank=i.rank, due_on=i.due_on, amount=i.amount, months=i.months)
        for i in schedule
    ]


@transaction.atomic
def convention_sign(*, convention: Convention, signed_on: datetime.date) -> Convention:
    """Sign a draft: plan every instalment of its posts and commit (AE) their total."""
    convention = Convention.objects.select_for_update().select_related("structure", "scheme").get(pk=convention.pk)
    if convention.status != ConventionStatus.DRAFT:
        raise ValidationError("Seule une convention en brouillon peut être signée.")
    total = 0
    for convention_post in convention.posts.all():
        convention_post.convention = convention
        for instalment in planned_instalments(convention_post):
            instalment.save()
            total += instalment.amount
    convention.status = ConventionStatus.SIGNED
    convention.signed_on = signed_on
    convention.committed_amount = total
    convention.save()
    return convention


@transaction.atomic
def instalment_pay(*, instalment: Instalment, paid_on: datetime.date) -> Instalment:
    """Record that a planned instalment has been paid."""
    instalment = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if instalment.status != InstalmentStatus.PLANNED:
        raise ValidationError(f"Ce versement est déjà {instalment.get_status_display().lower()}.")
    instalment.status = InstalmentStatus.PAID
    instalment.paid_on = paid_on
    instalment.save()
    return instalment


@transaction.atomic
def post_return_apply(*, post: Post, today: datetime.date | None = None) -> list[Instalment]:
    """Return a post vacant for more than six months (DOMAIN.md) and cancel its instalments not yet due.

    The post's coverage ends the day of the return; instalments already paid, or due and not paid, stay in the
    ledger. Under a scheme paying at the end of each convention year, the year in progress is not cancelled but
    brought forward to the return day, pro rata of the months covered (cnum.funding.schedules). Returns the
    cancelled instalments. Every change is saved through the ORM, so audit-logged.
    """
    today = today or timezone.localdate()
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_flagged_for_return(today=today):
        raise ValidationError(f"Le {post} n'est pas vacant depuis plus de six mois : il ne peut être rendu.")
    post.status = PostStatus.RETURNED
    post.returned_on = today
    post.save()
    cancelled = []
    for convention_post in post.funding.filter(end__gte=today).select_related("convention__scheme"):
        convention_post.end = max(today, convention_post.start)
        convention_post.save()
        # A scheme paying at the end of the year owes the year in progress pro rata, due on the return day.
        owed = {i.rank: i for i in planned_instalments(convention_post) if i.due_on <= today}
        for instalment in convention_post.instalments.filter(status=InstalmentStatus.PLANNED, due_on__gt=today):
            if instalment.rank in owed:
                replanned = owed[instalment.rank]
                instalment.due_on, instalment.amount, instalment.months = today, replanned.amount, replanned.months
            else:
                instalment.status = InstalmentStatus.CANCELLED
                cancelled.append(instalment)
            instalment.save()
    return cancelled
