"""Sign-in with ProConnect, end to end against a real OpenID Connect provider started in the test.

django-oauth-toolkit plays ProConnect (RS256 key made here, `siret`, `given_name`, `usual_name` claims, userinfo as
JSON or as a signed JWT like ProConnect's). It runs on the same live server, mounted by config/urls_test_oidc.py and
reached as 127.0.0.1 while cnum is reached as localhost: the two keep separate cookies, as two sites would. The
agent's browser is a requests session: the provider's login page, its consent form, the callback, the logout.
"""

import html.parser
import itertools
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from jwcrypto import jwk, jwt
from oauth2_provider.models import Application
from oauth2_provider.oauth2_validators import OAuth2Validator

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.structures.factories import StructureFactory

CLIENT_ID = "cnum-test"
CLIENT_SECRET = "secret-du-fournisseur-de-service-cnum"
SIRET = "21690266800013"

#: The provider's own directory: its login → the claims it asserts. Filled by the tests.
PROVIDER = SimpleNamespace(claims={}, userinfo_as_jwt=False, private_key="")
_accounts = itertools.count(1)


class ProConnectLikeValidator(OAuth2Validator):
    """django-oauth-toolkit answering like ProConnect: its claims, each behind the scope of the same name."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "given_name": "given_name",
        "usual_name": "usual_name",
        "siret": "siret",
        "uid": "uid",
    }

    def get_additional_claims(self, request):
        return dict(PROVIDER.claims[request.user.email])

    def get_userinfo_claims(self, request):
        claims = super().get_userinfo_claims(request)
        if not PROVIDER.userinfo_as_jwt:
            return claims
        # A string makes oauthlib answer `application/jwt`, as ProConnect does.
        key = jwk.JWK.from_pem(PROVIDER.private_key.encode())
        token = jwt.JWT(
            header={"alg": "RS256", "kid": key.thumbprint()},
            claims={**claims, "aud": CLIENT_ID, "iss": self.get_oidc_issuer_endpoint(request)},
        )
        token.make_signed_token(key)
        return token.serialize()


@pytest.fixture(scope="session")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def provider(live_server, settings, transactional_db, private_key_pem):
    """The provider on the live server, and cnum configured as its client (as PROCONNECT_DOMAIN would)."""
    cnum_url = live_server.url
    assert urlparse(cnum_url).hostname == "localhost"
    provider_url = cnum_url.replace("localhost", "127.0.0.1") + "/fournisseur"
    PROVIDER.claims, PROVIDER.userinfo_as_jwt, PROVIDER.private_key = {}, False, private_key_pem
    settings.ROOT_URLCONF = "config.urls_test_oidc"
    settings.OAUTH2_PROVIDER = {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": private_key_pem,
        "OAUTH2_VALIDATOR_CLASS": "tests.accounts.test_oidc.ProConnectLikeValidator",
        "PKCE_REQUIRED": False,  # ProConnect refuses any parameter it does not list, PKCE's included
        "SCOPES": {name: name for name in ["openid", "email", "given_name", "usual_name", "siret", "uid"]},
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    }
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider_url}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider_url}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider_url}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider_url}/.well-known/jwks.json"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{provider_url}/logout/"
    Application.objects.create(
        name="cnum",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{cnum_url}/oidc/callback/",
        post_logout_redirect_uris=f"{cnum_url}{reverse('accounts:proconnect_logged_out')}",
        algorithm=Application.RS256_ALGORITHM,
    )
    return SimpleNamespace(cnum_url=cnum_url, url=provider_url)


def provider_account(**claims) -> User:
    """An account in the provider's directory (its own login), asserting `claims` about the agent."""
    login = f"compte{next(_accounts)}@fournisseur.test"
    PROVIDER.claims[login] = {"given_name": "Camille", "usual_name": "Martin", "uid": "42", "siret": SIRET, **claims}
    return UserFactory(email=login)


class Forms(html.parser.HTMLParser):
    """The named fields of each form of a page, with their values."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms and attrs.get("name") and attrs.get("type") != "submit":
            self.forms[-1][attrs["name"]] = attrs.get("value") or ""

    def having(self, field: str) -> dict[str, str]:
        return next(form for form in self.forms if field in form)


def through_provider(browser: requests.Session, provider, login: str, start: str = "/oidc/authenticate/") -> str:
    """Click "S'identifier avec ProConnect" (its link: `start`), sign in at the provider, consent; return the
    callback URL it sends."""
    page = browser.get(f"{provider.cnum_url}{start}")
    assert page.url.startswith(provider.url.replace("/fournisseur", "/connexion/")), page.url
    fields = Forms(page.text).having("password") | {"username": login, "password": PASSWORD}
    consent = browser.post(page.url, data=fields)
    assert consent.url.startswith(f"{provider.url}/authorize/"), consent.url
    fields = Forms(consent.text).having("client_id") | {"allow": "Autoriser"}
    answer = browser.post(consent.url, data=fields, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def signed_in_email(browser: requests.Session, provider) -> str | None:
    page = browser.get(f"{provider.cnum_url}{reverse('accounts:profile')}", allow_redirects=False)
    if page.status_code != 200:
        return None
    return next(user.email for user in User.objects.all() if user.email in page.text)


@pytest.mark.parametrize("userinfo_as_jwt", [False, True], ids=["userinfo-json", "userinfo-jwt"])
def test_a_known_agent_signs_in_and_keeps_their_roles(provider, userinfo_as_jwt):
    PROVIDER.userinfo_as_jwt = userinfo_as_jwt
    agent = UserFactory(email="camille.martin@exemple.fr", first_name="Camille", last_name="Martin", advisor=True)
    StructureFactory(identifier=SIRET, name="Mairie de Villeurbanne")
    account = provider_account(email="Camille.Martin@Exemple.FR")
    browser = requests.Session()

    first = browser.get(f"{provider.cnum_url}/oidc/authenticate/", allow_redirects=False)
    sent = parse_qs(urlparse(first.headers["Location"]).query)
    assert sent["scope"] == ["openid email given_name usual_name siret uid"]
    assert sent["acr_values"] == ["eidas1"]
    assert sent["redirect_uri"] == [f"{provider.cnum_url}/oidc/callback/"]

    landing = browser.get(through_provider(browser, provider, account.email))
    assert landing.url == f"{provider.cnum_url}{reverse('core:dashboard')}"
    assert "Tableau de bord" in landing.text
    assert "demandez un accès depuis votre tableau de bord" not in landing.text
    assert signed_in_email(browser, provider) == "camille.martin@exemple.fr"
    agent.refresh_from_db()
    assert (agent.proconnect_sub, agent.proconnect_siret) == (str(account.pk), SIRET)
    assert list(agent.roles.values_list("role", flat=True)) == [Role.ADVISOR]


def test_an_unknown_agent_gets_an_account_without_any_role(provider):
    StructureFactory(identifier=SIRET, name="Mairie de Villeurbanne")
    account = provider_account(email="Nouvel.Agent@Exemple.fr", given_name="Dominique", usual_name="Durand")
    browser = requests.Session()

    landing = browser.get(through_provider(browser, provider, account.email))

    assert landing.status_code == 200
    expected = "Votre compte est relié à la structure Mairie de Villeurbanne ; demandez un accès depuis votre tableau"
    assert expected + " de bord" in landing.text
    assert reverse("access:request") in landing.text  # no longer a dead end (issue #18)
    user = User.objects.get(email="nouvel.agent@exemple.fr")
    assert (user.first_name, user.last_name, user.proconnect_siret) == ("Dominique", "Durand", SIRET)
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    profile = browser.get(f"{provider.cnum_url}{reverse('accounts:profile')}")
    assert "relié à la structure Mairie de Villeurbanne" in profile.text


def test_an_unknown_agent_is_refused_in_french_when_accounts_are_not_created(provider, settings):
    settings.OIDC_CREATE_USER = False
    account = provider_account(email="inconnu@exemple.fr")
    browser = requests.Session()

    refused = browser.get(through_provider(browser, provider, account.email))

    assert refused.status_code == 403
    assert "Aucun compte cnum n" in refused.text and "pour cette adresse électronique" in refused.text
    assert not User.objects.filter(email="inconnu@exemple.fr").exists()
    assert signed_in_email(browser, provider) is None


def test_a_disabled_account_is_refused(provider):
    UserFactory(email="parti@exemple.fr", is_active=False)
    account = provider_account(email="parti@exemple.fr")
    browser = requests.Session()

    refused = browser.get(through_provider(browser, provider, account.email))

    assert refused.status_code == 403
    assert "Ce compte est désactivé." in refused.text
    assert signed_in_email(browser, provider) is None


def test_a_callback_whose_state_does_not_match_is_refused_and_cannot_be_replayed(provider):
    UserFactory(email="agent@exemple.fr")
    account = provider_account(email="agent@exemple.fr")
    browser = requests.Session()
    callback = through_provider(browser, provider, account.email)

    parts = urlparse(callback)
    query = parse_qs(parts.query)
    forged = urlunparse(parts._replace(query=urlencode({"code": query["code"][0], "state": "x" * 32})))
    refused = browser.get(forged)
    assert refused.status_code == 400
    assert "La connexion n'a pas pu être vérifiée" in refused.text.replace("&#x27;", "'")
    assert signed_in_email(browser, provider) is None

    assert browser.get(callback).status_code == 200
    assert signed_in_email(browser, provider) == "agent@exemple.fr"
    assert browser.get(callback).status_code == 400  # the same answer a second time: replay


def test_a_callback_in_another_browser_is_refused(provider):
    UserFactory(email="agent@exemple.fr")
    account = provider_account(email="agent@exemple.fr")
    callback = through_provider(requests.Session(), provider, account.email)

    elsewhere = requests.Session()
    refused = elsewhere.get(callback)

    assert refused.status_code == 400
    assert "La demande de connexion a expiré." in refused.text
    assert signed_in_email(elsewhere, provider) is None


def test_logout_ends_the_cnum_and_the_provider_sessions(provider):
    UserFactory(email="agent@exemple.fr", advisor=True)
    account = provider_account(email="agent@exemple.fr")
    browser = requests.Session()
    browser.get(through_provider(browser, provider, account.email))
    assert signed_in_email(browser, provider) == "agent@exemple.fr"

    csrf = browser.cookies.get("csrftoken", domain="localhost.local")  # how the cookie jar names a dotless host
    gone = browser.post(
        f"{provider.cnum_url}{reverse('accounts:logout')}",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{provider.cnum_url}/"},
    )

    via_provider = [r.headers["Location"] for r in gone.history]
    assert via_provider[0].startswith(f"{provider.url}/logout/?id_token_hint=")
    assert gone.url == f"{provider.cnum_url}/"
    assert "Vous êtes déconnecté de cnum et de ProConnect." in gone.text
    assert signed_in_email(browser, provider) is None
    # The provider forgot the agent too: signing in again asks for their password.
    again = browser.get(f"{provider.cnum_url}/oidc/authenticate/")
    assert "password" in Forms(again.text).having("password")


def test_the_second_factor_is_asked_after_proconnect_too(provider, settings):
    settings.CNUM_OTP_REQUIRED = True
    UserFactory(email="national@exemple.fr", programme_team=True)
    account = provider_account(email="national@exemple.fr")
    browser = requests.Session()

    landing = browser.get(through_provider(browser, provider, account.email))

    assert urlparse(landing.url).path == reverse("accounts:otp_setup")
    assert "Activer la double authentification" in landing.text


def test_the_proconnect_button_shows_only_once_configured(client, settings, db):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "S'identifier avec" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404

    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://proconnect.exemple/api/v2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://proconnect.exemple/api/v2/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://proconnect.exemple/api/v2/userinfo"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "S'identifier avec" in page and "ProConnect" in page
    assert page.index("fr-connect") < page.index('name="password"')  # above the password form
    assert client.get("/oidc/authenticate/").url.startswith("https://proconnect.exemple/api/v2/authorize?")


def test_the_first_sign_in_binds_the_account_and_another_identity_with_the_same_address_is_refused(provider):
    """Issue #15, finding 12: matching by e-mail alone lets any identity asserting the address take the account."""
    agent = UserFactory(email="agent@exemple.fr", advisor=True)
    usual = provider_account(email="agent@exemple.fr")
    browser = requests.Session()
    browser.get(through_provider(browser, provider, usual.email))
    assert signed_in_email(browser, provider) == "agent@exemple.fr"
    agent.refresh_from_db()
    assert agent.proconnect_sub == str(usual.pk)

    other = provider_account(email="AGENT@exemple.fr")
    intruder = requests.Session()
    refused = intruder.get(through_provider(intruder, provider, other.email))
    assert refused.status_code == 403
    assert "déjà liée à une autre identité ProConnect" in refused.text
    assert signed_in_email(intruder, provider) is None
    assert User.objects.filter(email__iexact="agent@exemple.fr").count() == 1
    agent.refresh_from_db()
    assert agent.proconnect_sub == str(usual.pk)


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_technical_staff_accounts_cannot_sign_in_through_proconnect(provider, flags):
    UserFactory(email="technique@exemple.fr", **flags)
    account = provider_account(email="technique@exemple.fr")
    browser = requests.Session()
    refused = browser.get(through_provider(browser, provider, account.email))
    assert refused.status_code == 403
    assert "administration technique ne se connectent pas par ProConnect" in refused.text
    assert signed_in_email(browser, provider) is None
