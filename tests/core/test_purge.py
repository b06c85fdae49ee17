import datetime
import io
from contextlib import contextmanager
from unittest import mock

import pytest
from axes.models import AccessLog
from django.core.management import call_command
from django.utils import timezone

from cnum.accounts.models import User
from cnum.activities.models import Accompaniment, Beneficiary
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.core.retention import months_before
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


def moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@contextmanager
def on(day: datetime.date):
    """Rows created inside get `day` as their creation date (auto_now_add reads timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=moment(day)):
        yield


def purge(*args):
    out = io.StringIO()
    call_command("purge", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts():
    joined = moment(datetime.date(2020, 1, 1))
    with on(joined.date()):
        dormant = UserFactory(
            email="dormant@exemple.fr", date_joined=joined, last_login=moment(datetime.date(2023, 12, 1))
        )
        never = UserFactory(email="jamais@exemple.fr", date_joined=joined)
        active = UserFactory(
            email="actif@exemple.fr", date_joined=joined, last_login=moment(datetime.date(2024, 1, 1))
        )
    with on(datetime.date(2026, 1, 1)):
        newcomer = UserFactory(email="nouveau@exemple.fr", date_joined=moment(datetime.date(2026, 1, 1)))
    return dormant, never, active, newcomer


def test_months_before_keeps_the_day_or_the_end_of_a_shorter_month():
    assert months_before(datetime.date(2026, 6, 15), 30) == datetime.date(2023, 12, 15)
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 1, 10), 13) == datetime.date(2024, 12, 10)


def test_accounts_without_login_for_30_months_are_deactivated_and_blanked(accounts):
    dormant, never, active, newcomer = accounts
    last_event = AuditEvent.objects.order_by("-id").first().pk

    output = purge()

    dormant.refresh_from_db()
    assert dormant.email == f"compte-{dormant.pk}@anonymise.invalid"
    assert (dormant.first_name, dormant.last_name, dormant.is_active) == ("", "", False)
    assert not dormant.has_usable_password()
    assert User.objects.get(pk=never.pk).email.endswith("@anonymise.invalid")
    assert User.objects.get(pk=active.pk).email == "actif@exemple.fr"
    assert User.objects.get(pk=newcomer.pk).email == "nouveau@exemple.fr"
    assert "2 compte(s) désactivé(s)" in output
    # The purge leaves one summary in the trail, which names nobody.
    new_events = list(AuditEvent.objects.filter(pk__gt=last_event))
    assert [event.action for event in new_events] == [AuditAction.BULK]
    assert sorted(new_events[0].changes["comptes_desactives"]) == sorted([dormant.pk, never.pk])
    assert "dormant@exemple.fr" not in str(new_events[0].changes)


def test_a_second_purge_changes_nothing(accounts):
    purge()
    assert "0 compte(s) désactivé(s)" in purge()


def test_followed_beneficiaries_without_accompaniment_for_3_years_are_anonymised():
    with on(datetime.date(2021, 1, 1)):
        old = ActivityFactory(followed=True, date=datetime.date(2023, 6, 1)).accompaniments.get().beneficiary
        recent = ActivityFactory(followed=True, date=datetime.date(2023, 6, 1)).accompaniments.get().beneficiary
        ActivityFactory(date=datetime.date(2024, 1, 1), advisor=recent.advisor, accompaniment__beneficiary=recent)
        anonymous = ActivityFactory(date=datetime.date(2022, 1, 1)).accompaniments.get().beneficiary
        never_seen = BeneficiaryFactory(followed=True)
    with on(datetime.date(2026, 1, 1)):
        newcomer = BeneficiaryFactory(followed=True)
    accompaniments = Accompaniment.objects.count()

    output = purge()

    erased = Beneficiary.objects.filter(erased_at__isnull=False)
    assert set(erased) == {old, never_seen}
    old.refresh_from_db()
    assert (old.first_name, old.last_name, old.is_followed) == ("", "", True)
    assert Beneficiary.objects.get(pk=recent.pk).first_name == recent.first_name
    assert Beneficiary.objects.get(pk=newcomer.pk).erased_at is None
    assert Beneficiary.objects.get(pk=anonymous.pk).erased_at is None
    assert Accompaniment.objects.count() == accompaniments  # the counts stay true
    assert "2 bénéficiaire(s) anonymisé(s)" in output


def test_dry_run_lists_what_would_change_and_writes_nothing(accounts):
    dormant = accounts[0]
    with on(datetime.date(2021, 1, 1)):
        beneficiary = BeneficiaryFactory(followed=True)
    events = AuditEvent.objects.count()

    output = purge("--dry-run")

    assert f"compte n° {dormant.pk} — dernière connexion : 01/12/2023" in output
    assert f"bénéficiaire n° {beneficiary.pk} — dernier accompagnement : jamais" in output
    assert "Comptes sans connexion depuis le 15/12/2023 : 2" in output
    assert "Simulation (--dry-run)" in output
    assert User.objects.get(pk=dormant.pk).email == "dormant@exemple.fr"
    assert Beneficiary.objects.get(pk=beneficiary.pk).erased_at is None
    assert AuditEvent.objects.count() == events
    assert "dormant@exemple.fr" not in output  # numbers and dates, never names or addresses


def test_old_audit_events_and_login_logs_are_deleted():
    with on(datetime.date(2020, 1, 1)):
        UserFactory()  # its creation event is older than 5 years
        AccessLog.objects.create(username="ancien@exemple.fr", ip_address="10.0.0.1", user_agent="", path_info="/")
    with on(datetime.date(2026, 1, 1)):
        kept = UserFactory(last_login=moment(datetime.date(2026, 1, 1)))
        AccessLog.objects.create(username="recent@exemple.fr", ip_address="10.0.0.2", user_agent="", path_info="/")

    output = purge()

    assert not AuditEvent.objects.filter(at__lt=moment(datetime.date(2021, 6, 15))).exists()
    assert AuditEvent.objects.filter(object_id=str(kept.pk)).exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent@exemple.fr"]
    assert "1 journal(aux) de connexion" in output
    summary = AuditEvent.objects.filter(action=AuditAction.BULK).latest("id").changes
    assert summary["evenements_d_audit_supprimes"] >= 1


def test_a_period_of_zero_turns_its_rule_off(accounts, settings):
    settings.CNUM_RETENTION = {**settings.CNUM_RETENTION, "inactive_accounts_months": 0, "audit_log_years": 0}
    output = purge()
    assert User.objects.get(pk=accounts[0].pk).email == "dormant@exemple.fr"
    assert "Comptes sans connexion" not in output
    assert AuditEvent.objects.filter(at__lt=moment(datetime.date(2021, 1, 1))).exists()
