"""Test data for funding: conventions are drawn up and signed through the services, as users do."""

import datetime

from cnum.funding.services import PostTerms, convention_create, convention_sign
from tests.structures.factories import PostFactory, StructureFactory


def signed_convention(
    *,
    structure=None,
    phase=2,
    start=datetime.date(2024, 1, 1),
    posts=1,
    in_qpv=False,
    post_kwargs=None,
    **structure_kwargs,
):
    """A signed convention covering `posts` new posts of `structure` (a commune of the Rhône by default)."""
    structure = structure or StructureFactory(approved=True, **structure_kwargs)
    terms = [
        PostTerms(post=PostFactory(structure=structure, **(post_kwargs or {})), in_qpv=in_qpv) for _ in range(posts)
    ]
    convention = convention_create(structure=structure, phase=phase, start=start, posts=terms)
    return convention_sign(convention=convention, signed_on=start - datetime.timedelta(days=15))
