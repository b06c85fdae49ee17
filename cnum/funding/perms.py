"""Who sees budget, conventions and simulations (DOMAIN.md "Roles": the programme team sees everything, budget
and conventions included; a prefecture reads the conventions of its territory).

Django permissions come from the active role (accounts.perms.ROLE_PERMISSIONS); which conventions a role sees
follows the structures it sees (Convention.objects.visible_to).
"""

from cnum.structures.models import Structure


def can_view_budget(user) -> bool:
    """Budget lines, grant schemes and the national ledger: the programme team."""
    return user.is_authenticated and user.has_perm("funding.view_budgetline")


def can_view_conventions(user) -> bool:
    """The programme team, prefectures for the structures of their territory and a structure manager for its own
    (read-only)."""
    return user.is_authenticated and user.has_perm("funding.view_convention")


def can_simulate(user) -> bool:
    """Budget simulations and saved scenarios are the programme team's work."""
    return user.is_authenticated and user.has_perm("funding.view_simulationscenario")


def can_save_scenario(user) -> bool:
    return user.is_authenticated and user.has_perm("funding.add_simulationscenario")


def can_manage_campaigns(user) -> bool:
    """Renewal campaigns are created and sent by the programme team."""
    return user.is_authenticated and user.has_perm("funding.add_campaign")


def can_view_campaigns(user) -> bool:
    """The campaign dashboard: the programme team, and prefectures for the structures of their territory."""
    return user.is_authenticated and user.has_perm("funding.view_campaign")


def campaign_structures(user):
    """The structures whose answers the user's active role sees on a campaign dashboard (its territory)."""
    return Structure.objects.visible_to(user)


def answerable_structures(user):
    """The structures the user answers campaigns for: a structure manager's own structure; None for other roles."""
    if not (user.is_authenticated and user.has_perm("funding.add_campaignresponse")):
        return None
    return Structure.objects.visible_to(user)


def can_view_reports(user) -> bool:
    """Cost per outcome and the parliamentary fact sheet: the programme team (budget figures)."""
    return can_view_budget(user)
