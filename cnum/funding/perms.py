"""Who sees budget, conventions and simulations (DOMAIN.md "Roles": the programme team sees everything, budget
and conventions included; a prefecture reads the conventions of its territory).

Django permissions come from the active role (accounts.perms.ROLE_PERMISSIONS); which conventions a role sees
follows the structures it sees (Convention.objects.visible_to).
"""


def can_view_budget(user) -> bool:
    """Budget lines, grant schemes and the national ledger: the programme team."""
    return user.is_authenticated and user.has_perm("funding.view_budgetline")


def can_view_conventions(user) -> bool:
    """The programme team, and prefectures for the structures of their territory (read-only)."""
    return user.is_authenticated and user.has_perm("funding.view_convention")


def can_simulate(user) -> bool:
    """Budget simulations and saved scenarios are the programme team's work."""
    return user.is_authenticated and user.has_perm("funding.view_simulationscenario")


def can_save_scenario(user) -> bool:
    return user.is_authenticated and user.has_perm("funding.add_simulationscenario")
