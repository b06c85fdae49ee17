import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command

from cnum.activities.models import ReminderKind, ReminderSent
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 1, 1)


def run(today: str, *args) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--today", today, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def advisor():
    advisor = AdvisorFactory(with_account=True)
    contract = ContractFactory(advisor=advisor, start=START)
    contract.structure.contact_email = "direction@mairie.fr"
    contract.structure.save()
    return advisor


def test_advisor_silent_for_30_days_is_reminded_once(advisor):
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 3, 1))

    run("2024-03-30")
    assert mail.outbox == []

    run("2024-03-31")
    assert [m.to for m in mail.outbox] == [[advisor.user.email]]
    assert "depuis le 01/03/2024" in mail.outbox[0].body
    sent = ReminderSent.objects.get()
    assert (sent.kind, sent.period_start) == (ReminderKind.ADVISOR_30, datetime.date(2024, 3, 2))

    run("2024-04-05")
    assert len(mail.outbox) == 1


def test_structure_is_told_after_45_days(advisor):
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 3, 1))
    run("2024-03-31")
    run("2024-04-15")
    assert [m.to for m in mail.outbox] == [[advisor.user.email], ["direction@mairie.fr"]]
    assert advisor.full_name in mail.outbox[1].subject
    run("2024-04-20")
    assert len(mail.outbox) == 2


def test_a_new_silence_brings_a_new_reminder(advisor):
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 3, 1))
    run("2024-03-31")
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 4, 2))
    run("2024-04-10")
    assert len(mail.outbox) == 1
    run("2024-05-02")
    assert len(mail.outbox) == 2
    assert set(ReminderSent.objects.values_list("period_start", flat=True)) == {
        datetime.date(2024, 3, 2),
        datetime.date(2024, 4, 3),
    }


def test_without_activity_the_silence_starts_with_the_contract(advisor):
    run("2024-01-30")
    assert mail.outbox == []
    run("2024-01-31")
    assert "depuis le début de votre contrat, le 01/01/2024" in mail.outbox[0].body


def test_advisors_without_contract_or_account_are_not_reminded(advisor):
    ContractFactory(advisor=AdvisorFactory(), start=START)  # no user account
    ContractFactory(advisor=AdvisorFactory(with_account=True), start=START, ended=True)
    run("2024-08-01")
    assert [m.to for m in mail.outbox] == [[advisor.user.email], ["direction@mairie.fr"]]


def test_dry_run_sends_and_records_nothing(advisor):
    out = run("2024-03-01", "--dry-run")
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert advisor.user.email in out
    assert "direction@mairie.fr" in out
