import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.funding import campaigns
from cnum.funding.enums import CampaignMessageKind
from cnum.funding.models import Campaign, CampaignMessage, CampaignResponse
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.funding.factories import signed_convention
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.usefixtures("reference")


def ending(days: int, **kwargs):
    """A signed phase 2 convention ending `days` from today (36 months long)."""
    end = timezone.localdate() + datetime.timedelta(days=days)
    start = end.replace(year=end.year - 3, day=1) + datetime.timedelta(days=0)
    return signed_convention(start=start, **kwargs)


def campaign_for(conventions, *, deadline_days=20, send=True):
    candidates = campaigns.campaign_candidates(ending_before=timezone.localdate() + datetime.timedelta(days=400))
    candidates = [c for c in candidates if c.structure.pk in {conv.structure_id for conv in conventions}]
    campaign = campaigns.campaign_create(
        name="Renouvellement 2027",
        terms="Conditions de test.",
        scheme=None,
        deadline=timezone.localdate() + datetime.timedelta(days=deadline_days),
        candidates=candidates,
    )
    if send:
        campaigns.campaign_send(campaign=campaign, site_url="https://cnum.example.fr/")
    return campaign


def test_candidates_are_structures_whose_conventions_end_by_the_date_without_a_later_one(db):
    soon = ending(100, posts=2, contact_email="contact@commune.fr")
    later = ending(900)
    renewed = ending(50)
    signed_convention(structure=renewed.structure, start=renewed.end + datetime.timedelta(days=1))
    marseille = ending(60, in_marseille=True)
    found = campaigns.campaign_candidates(ending_before=timezone.localdate() + datetime.timedelta(days=365))
    assert {c.structure.pk: c.posts for c in found} == {soon.structure_id: 2, marseille.structure_id: 1}
    assert later.structure_id not in {c.structure.pk for c in found}
    in_13 = campaigns.campaign_candidates(
        ending_before=timezone.localdate() + datetime.timedelta(days=365), departement="13"
    )
    assert [c.structure.pk for c in in_13] == [marseille.structure_id]


def test_sending_e_mails_each_contact_once_in_french_with_the_deadline_and_the_link(db):
    with_contact = ending(100, contact_email="contact@commune.fr")
    without = ending(120, contact_email="")
    campaign = campaign_for([with_contact, without], send=False)
    outcome = campaigns.campaign_send(campaign=campaign, site_url="https://cnum.example.fr/")
    assert outcome == {"sent": 1, "failed": 0, "without_contact": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["contact@commune.fr"]
    assert f"{campaign.deadline:%d/%m/%Y}" in message.subject
    assert f"https://cnum.example.fr/financement/campagnes/{campaign.pk}/reponse/" in message.body
    campaigns.campaign_send(campaign=campaign, site_url="https://cnum.example.fr/")
    assert len(mail.outbox) == 1  # idempotent


@pytest.fixture
def manager_client(client):
    convention = ending(100, posts=3, contact_email="contact@commune.fr")
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.STRUCTURE_MANAGER, scope=convention.structure)
    client.force_login(user)
    client.convention = convention
    return client


def test_a_manager_sees_the_notice_answers_keeps_input_on_errors_and_changes_the_answer(manager_client):
    campaign = campaign_for([manager_client.convention])
    url = reverse("funding:campaign_answer", args=[campaign.pk])
    dashboard = manager_client.get(reverse("core:dashboard")).content.decode()
    assert "Renouvellement 2027" in dashboard and url in dashboard

    page = manager_client.post(url, {"decision": "renew", "posts_requested": "5", "comment": "Gardez ceci"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Au plus 3 poste(s)" in html and "Gardez ceci" in html
    assert not CampaignResponse.objects.exists()

    answer = {"decision": "renew", "posts_requested": "2", "advisor_choice": "per_post", "new_advisors": "1"}
    assert manager_client.post(url, answer).status_code == 302
    response = CampaignResponse.objects.get()
    assert (response.decision, response.posts_requested, response.new_advisors) == ("renew", 2, 1)

    manager_client.post(url, {"decision": "not_renew", "reason": "cost", "comment": "Trop cher"})
    response.refresh_from_db()
    assert (response.decision, response.posts_requested, response.reason) == ("not_renew", 0, "cost")
    assert "Voir ma réponse" in manager_client.get(reverse("core:dashboard")).content.decode()


def test_not_renewing_needs_a_reason(manager_client):
    campaign = campaign_for([manager_client.convention])
    page = manager_client.post(reverse("funding:campaign_answer", args=[campaign.pk]), {"decision": "not_renew"})
    assert "Indiquez le motif" in page.content.decode()


def test_after_the_deadline_the_answer_is_read_only(manager_client):
    campaign = campaign_for([manager_client.convention])
    url = reverse("funding:campaign_answer", args=[campaign.pk])
    manager_client.post(url, {"decision": "renew", "posts_requested": "3", "advisor_choice": "keep"})
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    page = manager_client.post(url, {"decision": "not_renew", "reason": "cost"})
    assert "ne peut plus être modifiée" in page.content.decode()
    assert '<form method="post" aria-label="Répondre' not in page.content.decode()
    assert CampaignResponse.objects.get().decision == "renew"
    assert url not in manager_client.get(reverse("core:dashboard")).content.decode()


def test_another_structure_cannot_answer(manager_client):
    other = ending(100)
    campaign = campaign_for([other])
    assert manager_client.get(reverse("funding:campaign_answer", args=[campaign.pk])).status_code == 404


def run_reminders(today):
    out = io.StringIO()
    call_command("send_campaign_reminders", today=today, stdout=out)
    return out.getvalue()


def test_reminders_leave_at_j14_and_j3_once_each_and_never_to_those_who_answered(db):
    waiting = ending(100, contact_email="attente@commune.fr")
    answered = ending(110, contact_email="repondu@commune.fr")
    campaign = campaign_for([waiting, answered], deadline_days=30)
    CampaignResponse.objects.create(
        campaign=campaign,
        structure=answered.structure,
        decision="renew",
        posts_requested=1,
        answered_at=timezone.now(),
    )
    mail.outbox.clear()
    deadline = campaign.deadline
    assert "0 relance" in run_reminders(deadline - datetime.timedelta(days=15))
    assert "1 relance" in run_reminders(deadline - datetime.timedelta(days=14))
    assert "0 relance" in run_reminders(deadline - datetime.timedelta(days=13))  # idempotent
    run_reminders(deadline - datetime.timedelta(days=3))
    run_reminders(deadline - datetime.timedelta(days=2))
    run_reminders(deadline + datetime.timedelta(days=1))
    assert [m.to for m in mail.outbox] == [["attente@commune.fr"], ["attente@commune.fr"]]
    assert "plus que 14 jours" in mail.outbox[0].subject and "plus que 3 jours" in mail.outbox[1].subject
    kinds = CampaignMessage.objects.filter(kind__startswith="reminder").values_list("kind", flat=True)
    assert sorted(kinds) == [CampaignMessageKind.REMINDER_14, CampaignMessageKind.REMINDER_3]


def test_dashboard_rates_posts_per_departement_csv_and_prefecture_territory(client, db):
    lyon_renew = ending(100, posts=3)
    lyon_silent = ending(100, posts=1)
    marseille_no = ending(100, posts=2, in_marseille=True)
    campaign = campaign_for([lyon_renew, lyon_silent, marseille_no])
    now = timezone.now()
    CampaignResponse.objects.create(
        campaign=campaign, structure=lyon_renew.structure, decision="renew", posts_requested=2, answered_at=now
    )
    CampaignResponse.objects.create(
        campaign=campaign, structure=marseille_no.structure, decision="not_renew", reason="cost", answered_at=now
    )
    figures = campaigns.campaign_figures(campaign)
    total = figures["total"]
    assert (total["structures"], total["answered"], total["renew"]) == (3, 2, 1)
    assert total["response_rate"] == pytest.approx(2 / 3) and total["reengagement_rate"] == pytest.approx(1 / 3)
    by_code = {row["code"]: row for row in figures["departements"]}
    assert (by_code["69"]["kept"], by_code["69"]["returned"], by_code["69"]["pending"]) == (2, 1, 1)
    assert (by_code["13"]["kept"], by_code["13"]["returned"]) == (0, 2)

    client.force_login(UserFactory(programme_team=True))
    page = client.get(reverse("funding:campaign_detail", args=[campaign.pk])).content.decode()
    assert "33 %" in page and 'data-code="69"' in page
    csv = client.get(reverse("funding:campaign_export", args=[campaign.pk])).content.decode("utf-8-sig")
    assert "69;" in csv and "13;" in csv and csv.splitlines()[-1].startswith("Total;;3;2;66,7;1;33,3;6;2;3;1")

    prefecture = UserFactory()
    RoleAssignmentFactory(user=prefecture, role=Role.PREFECTURE_DEPARTEMENT, scope=DepartementFactory(code="13"))
    client.force_login(prefecture)
    csv = client.get(reverse("funding:campaign_export", args=[campaign.pk])).content.decode("utf-8-sig")
    assert "13;" in csv and "\n69;" not in csv
    assert client.get(reverse("funding:campaign_create")).status_code == 403


def test_the_programme_team_previews_creates_and_sends_a_campaign(client, db):
    convention = ending(100, contact_email="contact@commune.fr")
    client.force_login(UserFactory(programme_team=True))
    before = (timezone.localdate() + datetime.timedelta(days=200)).isoformat()
    preview = client.get(reverse("funding:campaign_create"), {"ending_before": before})
    assert convention.structure.name in preview.content.decode()
    assert not Campaign.objects.exists()  # GET never writes
    data = {"ending_before": before, "name": "Campagne A", "terms": "Conditions", "deadline": "2020-01-01"}
    page = client.post(reverse("funding:campaign_create"), data)
    assert "ne peut être passée" in page.content.decode() and "Campagne A" in page.content.decode()
    data["deadline"] = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    created = client.post(reverse("funding:campaign_create"), data)
    campaign = Campaign.objects.get()
    assert created.url == campaign.get_absolute_url() and campaign.targets.count() == 1
    client.post(reverse("funding:campaign_send", args=[campaign.pk]))
    assert Campaign.objects.get().sent_at is not None and len(mail.outbox) == 1


def test_the_campaign_csv_writes_a_formula_like_name_as_text():
    counts = dict.fromkeys(("structures", "answered", "renew", "posts", "kept", "returned", "pending"), 1)
    rates = {"response_rate": 1.0, "reengagement_rate": 1.0}
    figures = {
        "departements": [{"code": "69", "name": '=HYPERLINK("https://exemple.invalid")', **counts, **rates}],
        "total": {**counts, **rates},
    }
    lines = campaigns.campaign_csv(figures).decode("utf-8-sig").splitlines()
    assert lines[1].startswith('69;"\'=HYPERLINK(""https://exemple.invalid"")";1;1;100,0;')
