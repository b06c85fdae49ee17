import math
from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cnum.accounts import forms, limits, oidc, otp, perms
from cnum.accounts.middleware import remember_active_role
from cnum.accounts.models import RoleAssignment

#: Session key of the TOTP secret shown during enrolment, until the agent confirms it with a right code.
ENROLMENT_KEY_SESSION_KEY = "cnum_otp_enrolment_key"


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": "Connexion"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(proconnect_enabled=oidc.proconnect_enabled(), **kwargs)


class LogoutView(auth_views.LogoutView):
    """Ends the cnum session and, for an agent who came through ProConnect, the ProConnect session too."""

    def post(self, request, *args, **kwargs):
        provider_url = oidc.provider_logout_url(request) if request.session.get("oidc_id_token") else None
        response = super().post(request, *args, **kwargs)
        if provider_url is None:
            return response
        oidc.remember_logout_state(request)
        return HttpResponseRedirect(provider_url)


def proconnect_logged_out(request):
    """ProConnect sends the agent back here after its own logout, with the state we gave it."""
    expected = request.session.pop(oidc.LOGOUT_STATE_SESSION_KEY, None)
    if expected and request.GET.get("state") == expected:
        messages.success(request, "Vous êtes déconnecté de cnum et de ProConnect.")
    return redirect("core:home")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.ResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Send the e-mail unless a limit is reached (accounts.limits); show the same page either way."""
        if limits.password_reset_allowed(email=form.cleaned_data["email"], request=self.request):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
def profile(request):
    user = request.user
    structure = user.proconnect_structure if not user.role_assignments else None
    return render(
        request,
        "accounts/profile.html",
        {
            "title": "Mon compte",
            "assignments": user.role_assignments,
            "no_role_message": oidc.no_role_message(structure) if structure else "",
        },
    )


@login_required
@require_POST
def switch_role(request):
    form = forms.RoleSwitchForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    assignment = RoleAssignment.objects.filter(pk=form.cleaned_data["role"]).first()
    if not perms.can_switch_to(request.user, assignment):
        raise PermissionDenied
    remember_active_role(request, assignment)
    messages.success(request, f"Vous agissez maintenant en tant que : {assignment}.")
    target = form.cleaned_data["next"]
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "core:dashboard"
    return redirect(target)


def safe_next(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse_lazy("core:dashboard")


@login_required
def otp_verify(request):
    """The agent types the code of their authenticator app; repeated wrong codes lock it (django-otp throttling)."""
    device = otp.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse_lazy('accounts:otp_setup')}?{request.GET.urlencode()}")
    form = forms.OTPCodeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if not allowed:
            seconds = math.ceil((throttle["locked_until"] - timezone.now()).total_seconds())
            form.add_error(
                None, f"Trop de codes erronés : patientez {max(seconds, 1)} secondes avant de saisir un nouveau code."
            )
        elif device.verify_token(form.cleaned_data["code"]):
            django_otp.login(request, device)
            return redirect(safe_next(request, form.cleaned_data["next"]))
        else:
            form.add_error("code", "Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code affiché.")
    return render(request, "accounts/otp_verify.html", {"title": "Double authentification", "form": form})


@login_required
def otp_setup(request):
    """First sign-in of an agent who needs a second factor: prove the mailbox is theirs (a code sent by e-mail),
    then scan the QR code and type the code it gives."""
    if otp.confirmed_device(request.user) is not None:
        return redirect("accounts:otp_verify")
    if not otp.enrolment_proven(request):
        return otp_enrolment_proof(request)
    key = request.session.get(ENROLMENT_KEY_SESSION_KEY)
    if not key:
        key = request.session[ENROLMENT_KEY_SESSION_KEY] = otp.new_key()
    device = otp.enrolment_device(request.user, key)
    form = forms.OTPCodeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        if otp.enrolment_code_valid(device, form.cleaned_data["code"]):
            device.save()
            del request.session[ENROLMENT_KEY_SESSION_KEY]
            otp.forget_enrolment_proof(request)
            django_otp.login(request, device)
            messages.success(request, "La double authentification est activée pour votre compte.")
            return redirect(safe_next(request, form.cleaned_data["next"]))
        form.add_error("code", "Code incorrect. Scannez de nouveau le QR code ou saisissez la clé, puis réessayez.")
    context = {
        "title": "Activer la double authentification",
        "form": form,
        "qr_code": otp.qr_code_svg(device),
        "readable_key": otp.readable_key(device),
    }
    return render(request, "accounts/otp_setup.html", context)


def otp_enrolment_proof(request):
    """Step one of the enrolment: the code e-mailed to the account's address (sent on arrival, or again on demand
    once a minute has passed; each code holds for 15 minutes and 5 attempts)."""
    form = forms.EnrolmentProofForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    resend = request.method == "POST" and "renvoyer" in request.POST
    if resend or not otp.enrolment_proof_pending(request):
        if otp.may_resend_proof(request):
            otp.send_enrolment_proof(request)
            messages.info(request, f"Un code vient d'être envoyé à {otp.masked_email(request.user.email)}.")
        else:
            messages.warning(
                request, "Un code vient déjà d'être envoyé : patientez une minute avant d'en demander un autre."
            )
        form = forms.EnrolmentProofForm(initial={"next": request.POST.get("next") or request.GET.get("next", "")})
    elif request.method == "POST" and form.is_valid():
        if otp.check_enrolment_proof(request, form.cleaned_data["code"]):
            target = reverse_lazy("accounts:otp_setup")
            next_url = form.cleaned_data["next"]
            return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
        if otp.enrolment_proof_pending(request):
            form.add_error("code", "Code incorrect. Saisissez le code reçu par courriel.")
        else:
            form.add_error("code", "Ce code n'est plus valable : demandez-en un nouveau.")
    context = {
        "title": "Activer la double authentification",
        "form": form,
        "email": otp.masked_email(request.user.email),
    }
    return render(request, "accounts/otp_enrolment_proof.html", context)
