"""Workflows on contracts and team memberships, and the rule that keeps `Post.vacant_since` true.

The vacancy rule (DOMAIN.md: "a post vacant > 6 months is returned"; the structures registry below cannot see
contracts, so this layer keeps the field):

- a post is occupied on a day when one of its contracts runs that day (start ≤ day ≤ end, or no end):
  `vacant_since` is then empty;
- otherwise it is vacant since the end (last day) of its latest contract that has ended;
- a post that has never had a contract that ended keeps the date the registry gave it, or its grant date.

`recompute_post_vacancy` applies the rule. The contract services call it under a lock on the post; signal
handlers call it again after any other save or delete of a contract (admin, imports, factories), so the rule
holds whatever the path. Because "today" moves, a contract that starts or ends on a later day changes its post
only on that day: `manage.py refresh_post_vacancies` (daily) re-applies the rule to every post with contracts.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cnum.advisors import perms
from cnum.advisors.enums import MembershipStatus
from cnum.advisors.models import Advisor, Contract, TeamMembership
from cnum.structures.models import Post, Structure


def post_vacancy(post: Post, *, today: datetime.date | None = None) -> datetime.date | None:
    """The `vacant_since` the rule above gives `post` on `today`."""
    today = today or timezone.localdate()
    contracts = post.contracts.all()
    if contracts.current(today).exists():
        return None
    last_end = contracts.ended(today).order_by("-end").values_list("end", flat=True).first()
    if last_end is not None:
        return last_end
    return post.vacant_since or post.granted_on


def recompute_post_vacancy(post: Post, *, today: datetime.date | None = None) -> bool:
    """Apply the vacancy rule to `post`; save (audited) only when it changes. True when it changed."""
    post.refresh_from_db(fields=["vacant_since"])  # the caller's instance may predate another change
    vacant_since = post_vacancy(post, today=today)
    if vacant_since == post.vacant_since:
        return False
    post.vacant_since = vacant_since
    post.save(update_fields=["vacant_since"])
    return True


def _locked(post: Post | None) -> Post | None:
    """The post, its row locked until the transaction ends, so that two contracts cannot claim it together."""
    if post is None:
        return None
    return Post.objects.select_for_update().get(pk=post.pk)


@transaction.atomic
def contract_start(
    *,
    advisor: Advisor,
    structure: Structure,
    post: Post | None,
    kind: str,
    start: datetime.date,
    end: datetime.date | None = None,
    end_reason: str = "",
) -> Contract:
    """Record that `advisor` is employed by `structure` from `start`, on `post` when the contract occupies one.

    Refused (ValidationError, French messages) when the post belongs to another structure, has been returned, or
    is held by another contract on any of these days. The post stops being vacant when the contract runs.
    """
    post = _locked(post)
    contract = Contract(
        advisor=advisor, structure=structure, post=post, kind=kind, start=start, end=end, end_reason=end_reason
    )
    contract.full_clean()
    contract.save()
    if post is not None:
        recompute_post_vacancy(post)
    return contract


@transaction.atomic
def contract_end(*, contract: Contract, end: datetime.date, end_reason: str) -> Contract:
    """End `contract` on `end` (its last day) for `end_reason`; its post is vacant from then if no one follows."""
    post = _locked(contract.post)
    contract.end, contract.end_reason = end, end_reason
    contract.full_clean()
    contract.save()
    if post is not None:
        recompute_post_vacancy(post)
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    post: Post | None,
    kind: str,
    start: datetime.date,
    end: datetime.date | None,
    end_reason: str,
) -> Contract:
    """Correct a contract as recorded (same advisor and employer); both the old and the new post are kept true."""
    previous_post_id = Contract.objects.filter(pk=contract.pk).values_list("post_id", flat=True).first()
    for post_id in sorted({previous_post_id, post.pk if post else None} - {None}):
        Post.objects.select_for_update().get(pk=post_id)
    contract.post, contract.kind, contract.start = post, kind, start
    contract.end, contract.end_reason = end, end_reason
    contract.full_clean()
    contract.save()
    for touched in Post.objects.filter(pk__in={previous_post_id, contract.post_id} - {None}):
        recompute_post_vacancy(touched)
    return contract


@transaction.atomic
def advisor_create(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    structure: Structure | None = None,
    post: Post | None = None,
    kind: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    end_reason: str = "",
) -> Advisor:
    """Record a new advisor and, when their employer is given, their first contract (`contract_start`)."""
    advisor = Advisor(first_name=first_name, last_name=last_name, email=email, phone=phone)
    advisor.full_clean()
    advisor.save()
    if structure is not None:
        contract_start(
            advisor=advisor,
            structure=structure,
            post=post,
            kind=kind,
            start=start,
            end=end,
            end_reason=end_reason,
        )
    return advisor


# --- team memberships ---------------------------------------------------------------------------------------


def _widens(membership: TeamMembership) -> bool:
    """The membership covers a day it did not cover as stored (a new one covers days it did not cover)."""
    stored = TeamMembership.objects.filter(pk=membership.pk).values("start", "end").first()
    if stored is None:
        return True
    if membership.start < stored["start"]:
        return True
    return stored["end"] is not None and (membership.end is None or membership.end > stored["end"])


def _decided(membership: TeamMembership, status: str, by) -> None:
    membership.status, membership.decided_by, membership.decided_at = status, by, timezone.now()


@transaction.atomic
def membership_save(*, membership: TeamMembership, by) -> TeamMembership:
    """Record a new membership, or a corrected period, as asked by `by` (whoever manages the team).

    A membership gives the coordinator the advisor's record and figures for its days, so it needs the consent of
    the advisor or of a manager of their current employer (perms.consents_for; security review #15): asked by
    someone who gives it, it is accepted at once; asked by anyone else (the coordinator), it waits as *requested*.
    A correction that makes an accepted membership cover more days asks for that consent again; one that narrows
    it keeps it.
    """
    if _widens(membership):
        if perms.consents_for(by, membership.advisor):
            _decided(membership, MembershipStatus.ACCEPTED, by)
        elif membership.pk is None or membership.is_accepted:
            membership.status, membership.decided_by, membership.decided_at = MembershipStatus.REQUESTED, None, None
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_decide(*, membership: TeamMembership, accept: bool, by) -> TeamMembership:
    """The advisor, or a manager of their current employer, accepts or refuses a requested membership."""
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    if not perms.can_decide_membership(by, membership):
        raise ValidationError("Cette demande a déjà été traitée ou ne vous concerne pas.")
    _decided(membership, MembershipStatus.ACCEPTED if accept else MembershipStatus.REFUSED, by)
    membership.save(update_fields=["status", "decided_by", "decided_at"])
    return membership


def refresh_post_vacancies(*, today: datetime.date | None = None, progress=iter) -> int:
    """Re-apply the vacancy rule to every post that has contracts; the number of posts that changed."""
    changed = 0
    posts = Post.objects.filter(pk__in=Contract.objects.filter(post__isnull=False).values("post_id"))
    for post in progress(posts.iterator()):
        with transaction.atomic():
            changed += recompute_post_vacancy(post, today=today)
    return changed


# --- safety net: any other save or delete of a contract (admin, imports, factories) ---------------------------


def _recompute_posts_of(contract: Contract) -> None:
    if contract.post_id is not None:
        # The contract's own post object: when a service saved the contract, it is the locked instance.
        recompute_post_vacancy(contract.post)
    previous_post_id = getattr(contract, "_loaded_post_id", None)
    if previous_post_id not in (None, contract.post_id):
        recompute_post_vacancy(Post.objects.get(pk=previous_post_id))


def on_contract_saved(sender, instance: Contract, raw=False, **kwargs):
    if raw:
        return
    _recompute_posts_of(instance)
    instance._loaded_post_id = instance.post_id


def on_contract_deleted(sender, instance: Contract, **kwargs):
    _recompute_posts_of(instance)
