"""Second factor (TOTP) for the programme team and the prefectures, after a password or ProConnect sign-in."""

import datetime
import re
from binascii import unhexlify

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cnum.accounts import otp as otp_module
from cnum.accounts.enums import Role
from config.settings.checks import check_production_settings
from tests.accounts.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def otp_required(settings):
    settings.CNUM_OTP_REQUIRED = True


def code_for(key_hex: str, *, offset_steps: int = 0) -> str:
    """What the agent's authenticator app shows now (or `offset_steps` periods later) for this key."""
    return f"{totp(unhexlify(key_hex), drift=offset_steps):06d}"


def sign_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, follow=True)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


@pytest.fixture
def prefecture_agent():
    user = UserFactory(email="prefecture@exemple.fr")
    RoleAssignmentFactory(user=user, role=Role.PREFECTURE_DEPARTEMENT, scope=DepartementFactory())
    return user


def mailed_code(outbox) -> str:
    return re.search(r"^\s+(\d{6})$", outbox[-1].body, re.MULTILINE).group(1)


def prove_mailbox(client) -> None:
    """Type the code that the enrolment e-mailed (first step of a first enrolment)."""
    from django.core import mail

    response = client.post(reverse("accounts:otp_setup"), {"code": mailed_code(mail.outbox)})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))


def test_a_prefecture_agent_without_device_enrols_by_scanning_then_typing_a_code(client, prefecture_agent, mailoutbox):
    page = sign_in(client, prefecture_agent)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:otp_setup"))
    # First, the code e-mailed to the account's address: the password alone does not enrol a phone.
    assert "saisissez le code envoyé à" in page.content.decode() and "p•••@exemple.fr" in page.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["prefecture@exemple.fr"]
    assert "<svg" not in page.content.decode()
    prove_mailbox(client)
    page = client.get(reverse("accounts:otp_setup"))
    html = page.content.decode()
    assert "Activer la double authentification" in html
    assert "<svg" in html and "<path" in html  # the QR code is drawn inline, no image from another service
    key_hex = client.session["cnum_otp_enrolment_key"]
    shown_key = re.search(r'data-testid="otp-key">([A-Z2-7 ]+)<', html).group(1)
    assert len(shown_key.replace(" ", "")) == 32

    # Until the code is typed, the dashboard and the other pages are out of reach.
    assert client.get(reverse("core:dashboard")).url.startswith(reverse("accounts:otp_verify"))

    response = client.post(
        reverse("accounts:otp_setup"), {"code": code_for(key_hex), "next": reverse("core:dashboard")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("core:dashboard")
    assert "La double authentification est activée pour votre compte." in response.content.decode()
    device = TOTPDevice.objects.get(user=prefecture_agent)
    assert device.confirmed and device.key == key_hex
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_enrolment_refuses_a_wrong_code_in_french_and_saves_no_device(client, prefecture_agent):
    sign_in(client, prefecture_agent)
    prove_mailbox(client)
    response = client.post(reverse("accounts:otp_setup"), {"code": "000000"})
    assert "Code incorrect." in response.content.decode()
    response = client.post(reverse("accounts:otp_setup"), {"code": "12ab"})
    assert "Le code est fait de 6 chiffres." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=prefecture_agent).exists()


def test_an_enrolled_agent_types_the_current_code_after_the_password(client):
    user = UserFactory(programme_team=True)
    device = enrolled(user)
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0] == reverse("accounts:otp_verify") + "?next=%2Ftableau-de-bord%2F"
    assert "saisissez le code affiché par votre application" in page.content.decode()

    response = client.post(reverse("accounts:otp_verify"), {"code": code_for(device.key), "next": "/tableau-de-bord/"})
    assert response.status_code == 302 and response.url == "/tableau-de-bord/"
    assert client.get(reverse("core:audit_log")).status_code == 200


def test_a_wrong_code_is_refused_in_french(client):
    user = UserFactory(programme_team=True)
    device = enrolled(user)
    sign_in(client, user)
    wrong = code_for(device.key, offset_steps=5)  # a code from two and a half minutes later
    response = client.post(reverse("accounts:otp_verify"), {"code": wrong})
    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_wrong_codes_lock_the_device_for_longer_each_time(client):
    """django-otp throttling: after n successive wrong codes, even the right one waits 2^(n-1) seconds."""
    user = UserFactory(programme_team=True)
    device = enrolled(user)
    sign_in(client, user)
    for _ in range(4):
        # The agent waits out each lock before trying again, so each wrong code counts.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
        )
        response = client.post(reverse("accounts:otp_verify"), {"code": code_for(device.key, offset_steps=5)})
        assert "Code incorrect." in response.content.decode()

    response = client.post(reverse("accounts:otp_verify"), {"code": code_for(device.key)})
    html = response.content.decode()
    assert "Trop de codes erronés : patientez 8 secondes avant de saisir un nouveau code." in html
    assert client.get(reverse("core:dashboard")).status_code == 302

    # Once the lock has run out, the right code opens the session and the counter starts again.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(reverse("accounts:otp_verify"), {"code": code_for(device.key)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.COORDINATOR, Role.STRUCTURE_MANAGER, Role.HUB])
def test_roles_that_do_not_see_a_territory_are_not_asked_for_a_code(client, role):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role)
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0] == reverse("core:dashboard")
    assert page.status_code == 200


def test_a_region_prefecture_held_besides_another_role_is_enough_to_ask_for_a_code(client):
    user = UserFactory(advisor=True)
    RoleAssignmentFactory(user=user, role=Role.PREFECTURE_REGION, scope=RegionFactory())
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:otp_setup"))


def test_the_agent_owing_a_code_may_still_log_out(client):
    user = UserFactory(programme_team=True)
    enrolled(user)
    sign_in(client, user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_no_code_is_asked_when_the_requirement_is_off(client, settings):
    settings.CNUM_OTP_REQUIRED = False
    user = UserFactory(programme_team=True)
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0] == reverse("core:dashboard")


def test_production_refuses_to_start_without_the_second_factor():
    with pytest.raises(ImproperlyConfigured, match="CNUM_OTP_REQUIRED"):
        check_production_settings(
            secret_key="x" * 50,
            allowed_hosts=["cnum.example.fr"],
            databases={"default": {"ENGINE": "django.db.backends.postgresql"}},
            allow_sqlite=False,
            otp_required=False,
        )


# --- First enrolment needs the mailbox as well as the password (issue #15, finding 12) --------------------------


def test_whoever_knows_only_the_password_cannot_enrol_a_phone(client, prefecture_agent, mailoutbox):
    sign_in(client, prefecture_agent)
    right = mailed_code(mailoutbox)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(otp_module.PROOF_MAX_ATTEMPTS):
        response = client.post(reverse("accounts:otp_setup"), {"code": wrong})
        assert "<svg" not in response.content.decode()
        assert "cnum_otp_enrolment_key" not in client.session
    # Five wrong codes spend this code: even the right one no longer opens the QR code.
    response = client.post(reverse("accounts:otp_setup"), {"code": right})
    assert response.status_code == 200 and "<svg" not in response.content.decode()
    assert not TOTPDevice.objects.filter(user=prefecture_agent).exists()


def test_a_new_mailed_code_waits_a_minute_and_the_old_one_no_longer_works(client, prefecture_agent, mailoutbox):
    sign_in(client, prefecture_agent)
    first = mailed_code(mailoutbox)
    response = client.post(reverse("accounts:otp_setup"), {"renvoyer": "1"}, follow=True)
    assert "patientez une minute" in response.content.decode() and len(mailoutbox) == 1
    proof = client.session[otp_module.PROOF_SESSION_KEY]
    proof["sent_at"] -= otp_module.PROOF_RESEND_SECONDS
    session = client.session
    session[otp_module.PROOF_SESSION_KEY] = proof
    session.save()
    client.post(reverse("accounts:otp_setup"), {"renvoyer": "1"})
    assert len(mailoutbox) == 2
    second = mailed_code(mailoutbox)
    if first != second:
        response = client.post(reverse("accounts:otp_setup"), {"code": first})
        assert "Code incorrect." in response.content.decode()
    prove_mailbox(client)


def test_a_mailed_code_expires_after_fifteen_minutes(client, prefecture_agent, mailoutbox):
    sign_in(client, prefecture_agent)
    code = mailed_code(mailoutbox)
    session = client.session
    session[otp_module.PROOF_SESSION_KEY]["sent_at"] -= otp_module.PROOF_VALIDITY_SECONDS + 1
    session.save()
    response = client.post(reverse("accounts:otp_setup"), {"code": code})
    assert "<svg" not in response.content.decode()
    assert len(mailoutbox) == 2  # a fresh code was sent in its place


# --- Technical staff and superusers (issue #15, finding 1) -------------------------------------------------------


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}])
def test_staff_and_superusers_reach_the_admin_only_after_a_code(client, flags):
    user = UserFactory(email="technique@exemple.fr", **flags)
    device = enrolled(user)
    # The admin's own password-only sign-in is gone: it sends to cnum's, where the second factor follows.
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=/admin/accounts/user/"
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:otp_verify"))
    for url in ("/admin/", "/admin/accounts/user/", "/admin/otp_totp/totpdevice/"):
        assert client.get(url).url.startswith(reverse("accounts:otp_verify"))

    client.post(reverse("accounts:otp_verify"), {"code": code_for(device.key)})
    assert client.get("/admin/").status_code == 200
    # Past the code, Django's own permissions decide (a staff account holds none unless given).
    assert client.get("/admin/accounts/user/").status_code == (200 if user.is_superuser else 403)


def test_a_superuser_without_device_is_sent_to_enrol(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    page = sign_in(client, user)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:otp_setup"))
    assert client.get("/admin/").url.startswith(reverse("accounts:otp_verify"))


def test_the_admin_itself_refuses_an_unverified_superuser(rf):
    """Defence in depth: were the middleware taken away, the admin site still asks for the code."""
    from django.contrib import admin
    from django.contrib.auth.models import AnonymousUser

    user = UserFactory(is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = user
    user.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    user.is_verified = lambda: True
    assert admin.site.has_permission(request) is True
    request.user = AnonymousUser()
    assert admin.site.has_permission(request) is False


def test_without_the_requirement_a_superuser_opens_the_admin_after_the_password(client, settings):
    settings.CNUM_OTP_REQUIRED = False
    user = UserFactory(is_staff=True, is_superuser=True)
    sign_in(client, user)
    assert client.get("/admin/").status_code == 200
