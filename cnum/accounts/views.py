from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cnum.accounts import forms, perms
from cnum.accounts.middleware import remember_active_role
from cnum.accounts.models import RoleAssignment


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.ResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
def profile(request):
    return render(
        request, "accounts/profile.html", {"title": "Mon compte", "assignments": request.user.role_assignments}
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
