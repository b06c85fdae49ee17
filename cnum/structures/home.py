"""Home panel of the registry (cnum.core.home): the structures and posts the active role sees, the vacant posts, and
for a prefecture the post amendments waiting for its opinion."""

from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.core.formatting import number
from cnum.core.home import Figure, Link, Panel
from cnum.structures.enums import Decision
from cnum.structures.models import Post, PostAmendment, Structure
from cnum.structures.perms import departement_codes_in_scope

REGISTRY_ROLES = (
    Role.STRUCTURE_MANAGER,
    Role.PREFECTURE_DEPARTEMENT,
    Role.PREFECTURE_REGION,
    Role.HUB,
    Role.NATIONAL_NETWORK,
    Role.PROGRAMME_TEAM,
)
LISTED = 10


def registry_panel(user) -> Panel | None:
    assignment = user.active_role
    if assignment is None or assignment.role not in REGISTRY_ROLES:
        return None
    structures = Structure.objects.visible_to(user)
    posts = Post.objects.visible_to(user).active()
    vacant = posts.vacant()
    single = assignment.role == Role.STRUCTURE_MANAGER
    figures = [] if single else [Figure("structures employeuses", number(structures.count()))]
    figures += [Figure("postes en cours", number(posts.count())), Figure("postes vacants", number(vacant.count()))]
    panel = Panel(
        title="Ma structure" if single else "Structures et postes",
        order=25,
        figures=figures,
        more=Link("Les structures", reverse("structures:list")),
    )
    if single and str(assignment.scope_id).isdigit():
        panel.more = Link("La fiche de la structure", reverse("structures:detail", kwargs={"pk": assignment.scope_id}))
        panel.tasks = [Link("Ajouter un conseiller", reverse("advisors:create"))]
    if assignment.role in (Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION):
        # The rule of can_give_prefecture_opinion, applied once in the query rather than once per amendment.
        waiting = PostAmendment.objects.filter(
            structure__departement_id__in=departement_codes_in_scope(assignment),
            prefecture_opinion="",
            decision=Decision.PENDING,
        ).select_related("structure")
        panel.figures.append(Figure("avenants attendant votre avis", number(waiting.count())))
        panel.items = [
            Link(
                f"{amendment.structure.name} — {amendment.get_kind_display()} de {amendment.posts_count} poste(s)",
                reverse("structures:amendment_opinion", kwargs={"pk": amendment.pk}),
                f"demandé le {amendment.requested_on:%d/%m/%Y}",
            )
            for amendment in waiting.order_by("requested_on", "pk")[:LISTED]
        ]
        panel.items_title = "Avis à donner"
    return panel


def connect() -> None:
    from cnum.core import home

    home.register(registry_panel)
