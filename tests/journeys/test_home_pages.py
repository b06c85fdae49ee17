"""A journey per role from its home page (issue #17, "Done when"): the figures and tasks shown there are checked
against the records of the test's data (counted here, never read from the page nor from the panels' code), then each
of the role's tools is reached by clicking its link on the home page, and answers with its title.

One Chromium for the module (each journey gets a fresh browser context); each journey builds the same small world:
the Ville de Lyon and a silent commune in the Rhône, an association in Marseille, their advisors, a team, a
convention, a campaign, an amendment, a hub, a network and two possible duplicates of sites.
"""

import calendar
import datetime
import io
import os
import re

import pytest
from django.core.management import call_command
from django.db.models import Max, Q
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.activities.models import Accompaniment, Beneficiary
from cnum.advisors.models import Contract, TeamMembership
from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import Campaign, CampaignResponse, CampaignTarget, Convention, Instalment
from cnum.funding.reference_data import funding_reference_load
from cnum.sites.models import SiteDuplicateCandidate
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post, PostAmendment, Structure
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import ActivityFactory
from tests.activities.test_browser import ARGS, CHROMIUM
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory, TeamFactory, TeamMembershipFactory
from tests.funding.factories import signed_convention
from tests.journeys.conftest import Journey
from tests.sites.factories import SiteFactory
from tests.structures.factories import HubFactory, NetworkFactory, PostAmendmentFactory, PostFactory, StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
KEY = "Chiffres clés"
PROPOSED = {"address": "1 place de la Mairie", "postal_code": "69001", "updated_on": "2025-01-15"}


@pytest.fixture(scope="module")
def chromium():
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls without this.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Home:
    """The signed-in user's home page, read and left by its links."""

    def __init__(self, journey: Journey):
        self.journey = journey
        self.page = journey.page

    def open(self, email: str) -> "Home":
        self.journey.login(email)
        self.journey.visit("core:dashboard")
        return self

    def panel(self, title: str):
        """The panel titled `title`; KEY for the key figures' one, titled after the role's scope."""
        if title == KEY:
            heading = self.page.get_by_role("heading", name=re.compile(f"^{KEY} — "))
        else:
            heading = self.page.get_by_role("heading", name=title, exact=True)
        return self.page.locator("section[data-testid=panneau]", has=heading)

    def figures(self, title: str) -> dict[str, str]:
        tiles = self.panel(title).locator(".fr-tile__content")
        return {
            tile.locator(".fr-tile__desc").inner_text(): tile.locator("[data-testid=chiffre]").inner_text()
            for tile in tiles.all()
        }

    def links(self, title: str) -> list[str]:
        return [link.inner_text() for link in self.panel(title).get_by_role("link").all()]

    def reach(self, name: str, heading: str, *, panel: str | None = None) -> None:
        """From the home page, click the link `name` (of `panel`, or of the main menu) and land on `heading`."""
        self.journey.visit("core:dashboard")
        if panel is None:
            area = self.page.get_by_role("navigation", name="Menu principal")
        else:
            area = self.panel(panel)
        with self.page.expect_navigation() as navigation:
            area.get_by_role("link", name=name, exact=True).first.click()
        assert navigation.value.status == 200, f"{name} → {self.page.url} : {navigation.value.status}"
        title = self.page.get_by_role("heading", level=1).inner_text()
        assert title.startswith(heading), f"{name} → {self.page.url} : « {title} »"
        self.journey.checked()


@pytest.fixture
def home(chromium, live_server, transactional_db):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Home(Journey(page, live_server.url))
    context.close()


@pytest.fixture
def world(transactional_db) -> dict:
    funding_reference_load()
    today = timezone.localdate()
    rhone = DepartementFactory(code="69")
    lyon = StructureFactory(approved=True, name="Ville de Lyon")
    quiet = StructureFactory(approved=True, name="Commune silencieuse", departement=rhone)
    marseille = StructureFactory(approved=True, in_marseille=True, name="Association phocéenne")
    site = SiteFactory(name="Médiathèque de Lyon", structure=lyon)
    active = ContractFactory(advisor__with_account=True, advisor__last_name="Active", structure=lyon).advisor
    SiteAssignmentFactory(advisor=active, site=site)
    silent = ContractFactory(advisor__last_name="Silencieux", structure=lyon).advisor
    ContractFactory(structure=quiet)
    southern = ContractFactory(structure=marseille).advisor
    PostFactory(structure=lyon, flagged=True)  # vacant for 200 days: to give back
    team = TeamFactory(structure=lyon, name="Équipe de Lyon", coordinator=active)
    for member in (active, silent):
        TeamMembershipFactory(team=team, advisor=member, start=today - datetime.timedelta(days=400))
    for days in (0, 0, 1, 40):
        ActivityFactory(advisor=active, structure=lyon, site=site, date=today - datetime.timedelta(days=days))
    ActivityFactory(
        advisor=active, structure=lyon, site=site, date=today - datetime.timedelta(days=120), followed=True
    )
    ActivityFactory(advisor=silent, structure=lyon, site=site, date=today - datetime.timedelta(days=45))
    ActivityFactory(advisor=southern, structure=marseille, site=SiteFactory(name="Local phocéen"), date=today)
    convention = signed_convention(structure=lyon, start=today - datetime.timedelta(days=30))
    ending = today + datetime.timedelta(days=60)
    signed_convention(structure=marseille, start=ending.replace(year=ending.year - 3, day=1))
    campaign = Campaign.objects.create(
        name="Renouvellement de test",
        terms="Conditions de test.",
        deadline=today + datetime.timedelta(days=20),
        sent_at=timezone.now(),
    )
    CampaignTarget.objects.create(
        campaign=campaign, structure=lyon, posts=1, convention_end=today + datetime.timedelta(days=90)
    )
    amendment = PostAmendmentFactory(structure=lyon)
    hub = HubFactory(name="Hub du Rhône")
    hub.departements.add(rhone)
    network = NetworkFactory(name="Grand réseau")
    lyon.networks.add(network)
    for duplicated in (site, SiteFactory(name="Local de Marseille", departement=marseille.departement)):
        SiteDuplicateCandidate.objects.create(
            site=duplicated, source="autre", proposed={**PROPOSED, "name": f"{duplicated.name} (bis)"}, score=0.9
        )
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    scopes = {
        Role.COORDINATOR: team,
        Role.STRUCTURE_MANAGER: lyon,
        Role.PREFECTURE_DEPARTEMENT: rhone,
        Role.HUB: hub,
        Role.NATIONAL_NETWORK: network,
    }
    users = {role: RoleAssignmentFactory(role=role, scope=scope).user for role, scope in scopes.items()}
    users[Role.ADVISOR] = active.user
    users[Role.PROGRAMME_TEAM] = UserFactory(programme_team=True)
    return {
        "today": today,
        "users": users,
        "lyon": lyon,
        "team": team,
        "active": active,
        "convention": convention,
        "amendment": amendment,
        "campaign": campaign,
    }


# --- what the records say, counted without the panels' code ---------------------------------------------------


def _month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])


def key_figures(accompaniments, today: datetime.date) -> dict[str, str]:
    """The "Chiffres clés" of a scope whose accompaniments are `accompaniments` (individual ones: one person each)."""
    first, last = _month(today)
    month = accompaniments.filter(activity__date__range=(first, last))
    people = Beneficiary.objects.filter(accompaniments__in=month).distinct().count()
    return {
        f"accompagnements en {MONTHS[today.month - 1]}": str(month.count()),
        f"personnes accompagnées en {MONTHS[today.month - 1]}": str(people),
        f"accompagnements en {today.year}": str(accompaniments.filter(activity__date__year=today.year).count()),
    }


def registry_figures(structures) -> dict[str, str]:
    posts = Post.objects.filter(structure__in=structures, status=PostStatus.ACTIVE)
    return {
        "structures employeuses": str(structures.count()),
        "postes en cours": str(posts.count()),
        "postes vacants": str(posts.filter(vacant_since__isnull=False).count()),
    }


def silent_structures(structures, today: datetime.date) -> list[str]:
    """Structures employing someone today with no activity of theirs in the last 30 days, by name."""
    cutoff = today - datetime.timedelta(days=30)
    employing = structures.filter(contracts__in=Contract.objects.filter(Q(end__isnull=True) | Q(end__gte=today)))
    quiet = employing.exclude(activities__date__gte=cutoff).distinct()
    return sorted(quiet.values_list("name", flat=True))


def shown(figures: dict[str, str], expected: dict[str, str]) -> dict[str, str]:
    return {label: figures.get(label) for label in expected}


# --- the journeys ----------------------------------------------------------------------------------------------


def test_an_advisor_s_first_day(home, world):
    today, advisor = world["today"], world["active"]
    home.open(world["users"][Role.ADVISOR].email)
    mine = Accompaniment.objects.filter(activity__advisor=advisor)
    expected = key_figures(mine, today)
    assert shown(home.figures(KEY), expected) == expected
    recorded = advisor.activities.count()
    assert len(home.panel("Mon activité").locator("li a[href*='/modifier/']").all()) == min(recorded, 5)
    to_see = (
        Beneficiary.objects.filter(advisor=advisor, is_followed=True)
        .annotate(last=Max("accompaniments__activity__date"))
        .filter(last__lt=today - datetime.timedelta(days=90))
        .count()
    )
    assert f"Personnes suivies à revoir ({to_see})" in home.links("Mon activité")
    home.reach("Saisir une activité", "Nouvelle activité", panel="Mon activité")
    home.reach("Mes activités", "Mes activités", panel="Mon activité")
    home.reach(f"Personnes suivies à revoir ({to_see})", "Mes bénéficiaires suivis", panel="Mon activité")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)
    home.reach("Jetons d'API", "Jetons d'accès à l'API")


def test_a_coordinator_s_first_day(home, world):
    today, team = world["today"], world["team"]
    home.open(world["users"][Role.COORDINATOR].email)
    members = TeamMembership.objects.filter(team=team).values("advisor")
    silent = (
        TeamMembership.objects.filter(team=team)
        .annotate(last=Max("advisor__activities__date"))
        .filter(Q(last__lt=today - datetime.timedelta(days=30)) | Q(last__isnull=True))
    )
    assert home.figures("Mon équipe") == {
        "membres de l'équipe": str(members.count()),
        "sans activité depuis 30 jours": str(silent.count()),
    }
    names = [membership.advisor.full_name for membership in silent.select_related("advisor")]
    assert [link for link in home.links("Mon équipe") if link in names] == names
    home.reach("Les membres et leurs lieux", team.name, panel="Mon équipe")
    home.reach(names[0], names[0], panel="Mon équipe")
    home.reach("Activités de l'équipe", "Activités de l'équipe")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)


def test_a_structure_manager_s_first_day(home, world):
    today, lyon, convention = world["today"], world["lyon"], world["convention"]
    home.open(world["users"][Role.STRUCTURE_MANAGER].email)
    expected = registry_figures(Structure.objects.filter(pk=lyon.pk))
    del expected["structures employeuses"]
    assert home.figures("Ma structure") == expected
    planned = Instalment.objects.filter(
        convention_post__convention__structure=lyon, status=InstalmentStatus.PLANNED, due_on__gte=today
    )
    next_day = min(planned.values_list("due_on", flat=True))
    amount = sum(planned.filter(due_on=next_day).values_list("amount", flat=True))
    current = Convention.objects.filter(structure=lyon, start__lte=today, end__gte=today).count()
    assert home.figures("Financement de la structure") == {
        "conventions en cours": str(current),
        f"prochain versement, le {next_day:%d/%m/%Y}": f"{amount:,}\u00a0€".replace(",", "\u202f"),
    }
    expected = key_figures(Accompaniment.objects.filter(activity__structure=lyon), today)
    assert shown(home.figures(KEY), expected) == expected
    assert "Répondre" in home.page.locator("main").inner_text()
    home.reach("Ajouter un conseiller", "Nouveau conseiller", panel="Ma structure")
    home.reach("La fiche de la structure", lyon.name, panel="Ma structure")
    home.reach(str(convention), "Convention", panel="Financement de la structure")
    home.reach("Conventions, échéanciers et versements", "Conventions", panel="Financement de la structure")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)
    home.journey.visit("core:dashboard")
    with home.page.expect_navigation():
        home.page.locator("main").get_by_role("link", name="Répondre").click()
    assert home.page.get_by_role("heading", level=1).inner_text().startswith(world["campaign"].name)
    home.journey.checked()


def test_a_prefecture_s_first_day(home, world):
    today = world["today"]
    home.open(world["users"][Role.PREFECTURE_DEPARTEMENT].email)
    rhone = Structure.objects.filter(departement_id="69")
    waiting = PostAmendment.objects.filter(structure__in=rhone, prefecture_opinion="")
    expected = {**registry_figures(rhone), "avenants attendant votre avis": str(waiting.count())}
    assert home.figures("Structures et postes") == expected
    expected = key_figures(Accompaniment.objects.filter(activity__structure__in=rhone), today)
    assert shown(home.figures(KEY), expected) == expected
    quiet = silent_structures(rhone, today)
    assert [link for link in home.links("Structures qui ne saisissent pas") if link in quiet] == quiet
    assert home.figures("Structures qui ne saisissent pas") == {
        "structures employeuses sans activité depuis 30 jours": str(len(quiet))
    }
    amendment = world["amendment"]
    label = f"{amendment.structure.name} — {amendment.get_kind_display()} de {amendment.posts_count} poste(s)"
    home.reach(label, "Avis", panel="Structures et postes")
    home.reach("Les structures", "Structures", panel="Structures et postes")
    home.reach(quiet[0], quiet[0], panel="Structures qui ne saisissent pas")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)
    home.reach("Financement", "Conventions")


def test_a_hub_s_first_day(home, world):
    today = world["today"]
    home.open(world["users"][Role.HUB].email)
    rhone = Structure.objects.filter(departement_id="69")
    assert home.figures("Structures et postes") == registry_figures(rhone)
    duplicates = SiteDuplicateCandidate.objects.filter(site__departement_id="69")
    assert home.figures("Lieux d'activité") == {"doublons possibles à examiner": str(duplicates.count())}
    quiet = silent_structures(rhone, today)
    assert [link for link in home.links("Structures qui ne saisissent pas") if link in quiet] == quiet
    home.reach("Examiner les doublons", "Doublons possibles", panel="Lieux d'activité")
    assert home.page.get_by_role("link", name="Examiner").count() == duplicates.count()
    home.reach("Importer des lieux", "Assistant d'import de lieux", panel="Lieux d'activité")
    assert "Vous importez les lieux de votre territoire : Rhône" in home.page.locator("main").inner_text()
    home.reach("Les structures", "Structures", panel="Structures et postes")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)


def test_a_large_network_s_first_day(home, world):
    today = world["today"]
    home.open(world["users"][Role.NATIONAL_NETWORK].email)
    members = Structure.objects.filter(networks__name="Grand réseau")
    assert home.figures("Structures et postes") == registry_figures(members)
    expected = key_figures(Accompaniment.objects.filter(activity__structure__in=members), today)
    assert shown(home.figures(KEY), expected) == expected
    home.reach("Les structures", "Structures", panel="Structures et postes")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)


def test_the_programme_team_s_first_day(home, world):
    today = world["today"]
    home.open(world["users"][Role.PROGRAMME_TEAM].email)
    # No post of the world is vacant for between 5 and 7 months: 183 days stand for the rule's 6 months.
    six_months_ago = today - datetime.timedelta(days=183)
    open_campaigns = Campaign.objects.filter(sent_at__isnull=False, deadline__gte=today)
    unanswered = [
        target
        for target in CampaignTarget.objects.filter(campaign__in=open_campaigns)
        if not CampaignResponse.objects.filter(campaign=target.campaign, structure=target.structure).exists()
    ]
    assert home.figures("Alertes du programme") == {
        "postes vacants depuis plus de 6 mois": str(
            Post.objects.filter(status=PostStatus.ACTIVE, vacant_since__lt=six_months_ago).count()
        ),
        "conventions se terminant d'ici 90 jours": str(
            Convention.objects.filter(end__range=(today, today + datetime.timedelta(days=90))).count()
        ),
        "campagnes de renouvellement ouvertes": str(open_campaigns.count()),
        "structures sans réponse à une campagne ouverte": str(len(unanswered)),
    }
    expected = key_figures(Accompaniment.objects.all(), today)
    assert shown(home.figures(KEY), expected) == expected
    duplicates = SiteDuplicateCandidate.objects.count()
    assert home.figures("Lieux d'activité") == {"doublons possibles à examiner": str(duplicates)}
    home.reach("Budget et simulateur", "Budget", panel="Alertes du programme")
    home.reach("Campagnes de renouvellement", "Campagnes de renouvellement", panel="Alertes du programme")
    home.reach("Examiner les doublons", "Doublons possibles", panel="Lieux d'activité")
    home.reach("Importer des lieux", "Assistant d'import de lieux", panel="Lieux d'activité")
    home.reach("Les structures", "Structures", panel="Structures et postes")
    home.reach("Toutes les statistiques", "Statistiques", panel=KEY)
    home.reach("Imports", "Importer un fichier")
    home.reach("Journal d'audit", "Journal d'audit")
