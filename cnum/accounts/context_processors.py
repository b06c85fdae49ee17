from django.urls import reverse

from cnum.accounts import perms
from cnum.accounts.enums import Role

#: Registry pages every role reaches; each page shows only what the active role may see.
REGISTRY_PAGES: list[tuple[str, str]] = [("Structures", "structures:list"), ("Conseillers", "advisors:list")]


def roles(request):
    """Header data: the active role, the others to switch to, and the navigation the active role gets."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"active_role": None, "other_roles": [], "role_navigation": []}
    active = user.active_role
    navigation = [{"label": "Tableau de bord", "url": reverse("core:dashboard")}]
    if active is not None and active.role == Role.ADVISOR:
        navigation.append({"label": "Mes activités", "url": reverse("activities:list")})
    if active is not None and active.role == Role.COORDINATOR:
        navigation.append({"label": "Activités de l'équipe", "url": reverse("activities:list")})
    if active is not None and active.role in (Role.ADVISOR, Role.STRUCTURE_MANAGER):
        navigation.append({"label": "Jetons d'API", "url": reverse("api_tokens:list")})
    for label, url_name in REGISTRY_PAGES:
        navigation.append({"label": label, "url": reverse(url_name)})
    if user.has_perm("funding.view_convention"):
        funding_page = "funding:budget" if user.has_perm("funding.view_budgetline") else "funding:convention_list"
        navigation.append({"label": "Financement", "url": reverse(funding_page)})
    if user.has_perm("funding.view_campaign") and not user.has_perm("funding.view_budgetline"):
        navigation.append({"label": "Campagnes de renouvellement", "url": reverse("funding:campaign_list")})
    if active is not None:
        navigation.append({"label": "Statistiques", "url": reverse("stats:dashboard")})
    if user.has_perm("core.import_files"):
        navigation.append({"label": "Imports", "url": reverse("core:import_upload")})
    if user.has_perm("core.import_files") or user.has_perm("core.run_commands"):
        navigation.append({"label": "Tâches", "url": reverse("core:job_list")})
    if perms.can_view_audit_log(user):
        navigation.append({"label": "Journal d'audit", "url": reverse("core:audit_log")})
    navigation.append({"label": "Mon compte", "url": reverse("accounts:profile")})
    current = request.path
    for item in navigation:
        item["current"] = current.startswith(item["url"])
    return {
        "active_role": active,
        "other_roles": [a for a in user.role_assignments if active is None or a.pk != active.pk],
        "role_navigation": navigation,
    }
