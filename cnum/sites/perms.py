"""Who sees and changes which sites.

Sites are open data (DOMAIN.md, "Roles": the public sees the map of sites): every published site is visible to
everyone, signed in or not. A site is changed by the programme team, or by the manager of the structure it is linked
to (`site.structure`, set from the site's SIRET).

Lists of sites are imported, and the possible duplicates they raise reviewed, by the programme team everywhere and
by a hub in its territory (README, "Rôles"): the départements it covers (Hub.departement_codes).
"""

from django.db.models import QuerySet

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.structures.perms import departement_codes_in_scope


def visible_sites(sites: QuerySet, user) -> QuerySet:
    """Every published site, for everyone."""
    return sites.filter(is_published=True)


def can_view_site(user, site) -> bool:
    return site.is_published or can_edit_site(user, site)


def can_edit_site(user, site) -> bool:
    """The programme team edits every site; a structure manager edits the sites linked to their structure."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return (
        assignment.role == Role.STRUCTURE_MANAGER
        and site.structure_id is not None
        and str(assignment.scope_id) == str(site.structure_id)
    )


def can_publish_site(user, site) -> bool:
    """Publishing or withdrawing a site from the public pages, the API and the exports is for the programme team."""
    return acting_as(user, Role.PROGRAMME_TEAM) is not None


def _territory(user, national_perm: str) -> set[str] | None:
    """None: every département (the role holds `national_perm`); a hub's départements; an empty set otherwise."""
    if not user.is_authenticated:
        return set()
    if user.has_perm(national_perm):
        return None
    assignment = acting_as(user, Role.HUB)
    if assignment is not None:
        return departement_codes_in_scope(assignment)
    return set()


def import_departements(user) -> set[str] | None:
    """The départements whose sites the user may import with the assistant (None: all of them)."""
    return _territory(user, "core.import_files")


def can_import_sites(user) -> bool:
    codes = import_departements(user)
    return codes is None or bool(codes)


def review_departements(user) -> set[str] | None:
    """The départements whose sites' possible duplicates the user reviews (None: all of them)."""
    return _territory(user, "sites.review_duplicates")


def can_review_duplicates(user) -> bool:
    codes = review_departements(user)
    return codes is None or bool(codes)


def visible_duplicates(candidates: QuerySet, user) -> QuerySet:
    """The candidates whose existing site lies in the user's territory: a hub merges only its own sites."""
    codes = review_departements(user)
    if codes is None:
        return candidates
    return candidates.filter(site__departement_id__in=codes)
