import datetime
import io
import json

import pytest
from axes.models import AccessLog
from django.core.management import CommandError, call_command

from cnum.activities.enums import ActivityType, Progress, Theme
from cnum.api.models import ApiToken
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory

pytestmark = pytest.mark.django_db


def export(tmp_path, **person):
    output = tmp_path / "personne.json"
    call_command("export_person", output=output, **person, stdout=io.StringIO())
    assert output.stat().st_mode & 0o077 == 0
    return json.loads(output.read_text(encoding="utf-8")), output.read_text(encoding="utf-8")


@pytest.fixture
def followed():
    advisor = AdvisorFactory(first_name="Claire", last_name="Conseillère")
    person = BeneficiaryFactory(
        advisor=advisor, followed=True, first_name="Paul", last_name="Martin", phone="0612345678", email="p@m.fr"
    )
    ActivityFactory(
        advisor=advisor,
        date=datetime.date(2025, 2, 3),
        themes=[Theme.EMAIL.value],
        notes="Création de sa boîte",
        accompaniment__beneficiary=person,
        accompaniment__progressed=Progress.YES,
    )
    workshop = ActivityFactory(
        advisor=advisor, collective=True, date=datetime.date(2025, 3, 4), notes="Avec Jeanne Autre et Marc"
    )
    AccompanimentFactory(activity=workshop, beneficiary=person, is_first=False)
    other = BeneficiaryFactory(advisor=advisor, followed=True, first_name="Jeanne", last_name="Autre")
    AccompanimentFactory(activity=workshop, beneficiary=other)
    return person


def test_a_beneficiary_gets_every_personal_field_and_their_accompaniments(tmp_path, followed):
    data, text = export(tmp_path, beneficiary=followed.pk)

    assert data["personne"] == {"type": "bénéficiaire", "identifiant": followed.pk}
    fields = data["données"]
    assert (fields["prénom"], fields["nom"], fields["téléphone"], fields["courriel"]) == (
        "Paul",
        "Martin",
        "0612345678",
        "p@m.fr",
    )
    assert fields["date du consentement"] == "2025-03-10"
    assert [a["date"] for a in data["accompagnements"]] == ["2025-02-03", "2025-03-04"]
    first, workshop = data["accompagnements"]
    assert first["thématiques"] == [Theme.EMAIL.label]
    assert first["type"] == ActivityType.INDIVIDUAL.label
    assert first["notes"] == "Création de sa boîte"
    assert first["dit avoir progressé"] == Progress.YES.label
    assert workshop["premier accompagnement"] is False


def test_a_beneficiary_export_holds_nobody_else(tmp_path, followed):
    _, text = export(tmp_path, beneficiary=followed.pk)
    for other in ("Jeanne", "Autre", "Marc", "Claire", "Conseillère"):
        assert other not in text


def test_the_export_is_recorded_in_the_audit_trail_without_the_data(tmp_path, followed):
    export(tmp_path, beneficiary=followed.pk)
    event = AuditEvent.objects.filter(action=AuditAction.BULK).latest("id")
    assert event.changes == {"identifiant": followed.pk}
    assert event.actor_label == "commande export_person"


def test_an_account_gets_its_fields_roles_tokens_logins_and_actions(tmp_path):
    advisor = AdvisorFactory(with_account=True, phone="0700000000")
    user = advisor.user
    ApiToken.issue(name="Mon outil", owner=user, advisor=advisor)
    AccessLog.objects.create(username=user.email, ip_address="192.0.2.4", user_agent="", path_info="/")
    AccessLog.objects.create(username="autre@exemple.fr", ip_address="192.0.2.5", user_agent="", path_info="/")

    data, text = export(tmp_path, user=user.email.upper())

    assert data["données"]["adresse électronique"] == user.email
    assert data["rôles"][0]["rôle"] == "Conseiller numérique"
    assert data["fiche de conseiller"]["téléphone"] == "0700000000"
    assert [token["nom"] for token in data["jetons d'API"]] == ["Mon outil"]
    assert [login["adresse IP"] for login in data["connexions"]] == ["192.0.2.4"]
    assert "autre@exemple.fr" not in text and "192.0.2.5" not in text
    assert "mot de passe" not in text and user.password not in text


def test_an_account_without_advisor_record(tmp_path):
    UserFactory(email="sans-fiche@exemple.fr")
    data, _ = export(tmp_path, user="sans-fiche@exemple.fr")
    assert data["fiche de conseiller"] is None


def test_unknown_people_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Aucun bénéficiaire n° 999999"):
        call_command("export_person", beneficiary=999999, output=tmp_path / "x.json")
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("export_person", user="personne@exemple.fr", output=tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
