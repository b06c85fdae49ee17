"""Sign-in with ProConnect, the State's OpenID Connect provider for public agents (mozilla-django-oidc).

ProConnect specifics (https://partenaires.proconnect.gouv.fr, "implémentation technique"): the scopes include
`siret`, `given_name` and `usual_name`; the userinfo endpoint answers with a signed JWT (`application/jwt`), which
mozilla-django-oidc verifies against the provider's keys like the ID token; logging out goes through the provider's
end_session endpoint with the ID token as `id_token_hint`.

An agent is found by the ProConnect identity (`sub`) bound to their account at their first ProConnect sign-in,
which found them by e-mail address. The SIRET ProConnect gives is recorded on the account and never grants a role
by itself: the agent asks for access (cnum.access), and whoever may grant the role decides.
"""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from cnum.accounts.backends import read_user

logger = logging.getLogger(__name__)

#: Session key of the random `state` sent to the provider's end_session endpoint, checked on the way back.
LOGOUT_STATE_SESSION_KEY = "proconnect_logout_state"
#: Why the last sign-in was refused, for the error page (set on the request by the backend).
FAILURE_ATTRIBUTE = "proconnect_failure"


def proconnect_enabled() -> bool:
    """ProConnect is offered only once its client id, secret and endpoints are configured."""
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_RP_CLIENT_SECRET
        and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_TOKEN_ENDPOINT
        and settings.OIDC_OP_USER_ENDPOINT
    )


class ProConnectBackend(OIDCAuthenticationBackend):
    """Finds the agent by e-mail (lower case), or creates their account without any role."""

    def get_user(self, user_id):
        return read_user(user_id)

    def authenticate(self, request, **kwargs):
        if not proconnect_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """mozilla-django-oidc checks the signature and the nonce; the audience must be cnum (OIDC Core 3.1.3.7)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("Jeton ProConnect destiné à un autre service.")
        return payload

    def verify_claims(self, claims):
        if claims.get("email") and claims.get("sub"):
            return True
        self._refuse("ProConnect n'a pas transmis votre adresse électronique.")
        return False

    def filter_users_by_claims(self, claims):
        """The account bound to this ProConnect identity (`sub`), else the account of this e-mail address if no
        other identity is bound to it yet (the first sign-in binds it). A same address asserted by another identity
        does not take an account over; technical staff accounts never sign in through ProConnect (issue #15)."""
        users = self.UserModel.objects.filter(proconnect_sub=claims["sub"])
        if not users.exists():
            users = self.UserModel.objects.filter(email__iexact=claims["email"].strip())
            if users.exclude(proconnect_sub="").exists():
                self._refuse(
                    "Cette adresse électronique est déjà liée à une autre identité ProConnect. Connectez-vous avec "
                    "l'identité habituelle, ou demandez à l'équipe du programme de délier le compte."
                )
                return self.UserModel.objects.none()
        if users.filter(Q(is_staff=True) | Q(is_superuser=True)).exists():
            self._refuse(
                "Les comptes d'administration technique ne se connectent pas par ProConnect : utilisez votre mot de "
                "passe et votre code de double authentification."
            )
            return self.UserModel.objects.none()
        return users

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None and not getattr(self.request, FAILURE_ATTRIBUTE, None):
            self._refuse("Aucun compte cnum n'existe pour cette adresse électronique : demandez-le à votre structure.")
        return user

    def create_user(self, claims):
        if getattr(self.request, FAILURE_ATTRIBUTE, None):  # refused above: no new account in its place
            return None
        user = self.UserModel.objects.create_user(
            claims["email"].strip().lower(),
            first_name=claims.get("given_name") or "",
            last_name=claims.get("usual_name") or "",
        )
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        """Record who ProConnect says the agent is; names typed in cnum are kept, roles are never touched."""
        user.proconnect_sub = claims["sub"]
        user.proconnect_siret = "".join(ch for ch in claims.get("siret") or "" if ch.isdigit())[:14]
        user.first_name = user.first_name or claims.get("given_name") or ""
        user.last_name = user.last_name or claims.get("usual_name") or ""
        user.save(update_fields=["proconnect_sub", "proconnect_siret", "first_name", "last_name"])
        return user

    def _refuse(self, reason: str) -> None:
        setattr(self.request, FAILURE_ATTRIBUTE, reason)


class ProConnectAuthenticateView(OIDCAuthenticationRequestView):
    """Sends the agent to ProConnect; absent while ProConnect is not configured."""

    def get(self, request):
        if not proconnect_enabled():
            raise Http404("ProConnect n'est pas configuré.")
        return super().get(request)


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """The agent comes back from ProConnect: sign them in, or say in French why not."""

    def get(self, request):
        if not proconnect_enabled():
            raise Http404("ProConnect n'est pas configuré.")
        self.user = None
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            logger.warning("ProConnect: retour refusé (%s)", error)
            return self.failure_page(
                "La connexion n'a pas pu être vérifiée (demande expirée ou déjà utilisée). Recommencez depuis la "
                "page de connexion.",
                status=400,
            )
        except requests.RequestException as error:
            logger.error("ProConnect injoignable: %s", error)
            return self.failure_page("ProConnect ne répond pas. Réessayez dans quelques minutes.", status=502)

    def login_success(self):
        response = super().login_success()
        user = self.request.user
        structure = user.proconnect_structure
        if structure is not None and not user.role_assignments:
            messages.info(self.request, no_role_message(structure))
        return response

    def login_failure(self):
        if self.request.GET.get("error"):
            return self.failure_page("La connexion avec ProConnect a été annulée ou refusée.", status=403)
        if self.user is not None and not self.user.is_active:
            return self.failure_page("Ce compte est désactivé. Contactez l'équipe nationale du programme.", status=403)
        if "code" in self.request.GET and "oidc_states" not in self.request.session:
            # No pending sign-in in this browser: the session expired, or the link came from elsewhere.
            return self.failure_page(
                "La demande de connexion a expiré. Recommencez depuis la page de connexion.", status=400
            )
        reason = getattr(self.request, FAILURE_ATTRIBUTE, None) or "La connexion avec ProConnect a échoué."
        return self.failure_page(reason, status=403)

    def failure_page(self, reason: str, *, status: int):
        return render(
            self.request,
            "accounts/proconnect_error.html",
            {"title": "Connexion impossible", "reason": reason},
            status=status,
        )


def no_role_message(structure) -> str:
    return (
        f"Votre compte est relié à la structure {structure} ; demandez un accès depuis votre tableau de bord : ses "
        "gestionnaires, sinon l'équipe nationale du programme, vous répondront."
    )


def provider_logout_url(request) -> str:
    """The provider's end_session URL that also ends the ProConnect session (read before the local logout).

    Returns the local redirect when the agent did not sign in with ProConnect.
    """
    id_token = request.session.get("oidc_id_token")
    if not id_token or not settings.OIDC_OP_LOGOUT_ENDPOINT:
        return reverse(settings.LOGOUT_REDIRECT_URL)
    state = get_random_string(32)
    request.proconnect_logout_state = state
    params = {
        "id_token_hint": id_token,
        "state": state,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:proconnect_logged_out")),
    }
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"


def remember_logout_state(request) -> None:
    """After the local logout (which empties the session), keep the state to check when ProConnect sends back."""
    state = getattr(request, "proconnect_logout_state", None)
    if state:
        request.session[LOGOUT_STATE_SESSION_KEY] = state
