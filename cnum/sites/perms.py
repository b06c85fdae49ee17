"""Who sees and changes which sites.

Sites are open data (DOMAIN.md, "Roles": the public sees the map of sites): every published site is visible to
everyone, signed in or not. A site is changed by the programme team, or by the manager of the structure it is linked
to (`site.structure`, set from the site's SIRET).
"""

from django.db.models import QuerySet

from cnum.accounts.enums import Role


def visible_sites(sites: QuerySet, user) -> QuerySet:
    """Every published site, for everyone."""
    return sites.filter(is_published=True)


def can_view_site(user, site) -> bool:
    return site.is_published or can_edit_site(user, site)


def _active_role(user):
    return user.active_role if user.is_authenticated else None


def can_edit_site(user, site) -> bool:
    """The programme team edits every site; a structure manager edits the sites linked to their structure."""
    assignment = _active_role(user)
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
    assignment = _active_role(user)
    return assignment is not None and assignment.role == Role.PROGRAMME_TEAM
