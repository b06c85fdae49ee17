"""Django's admin behind cnum's own sign-in and second factor (security review, issue #15, finding 1).

The admin's password-only sign-in page is replaced by a redirection to cnum's sign-in, where django-axes counts
failures; a staff or superuser account then owes a TOTP code like the programme team (`perms.needs_second_factor`),
and the admin answers only once that code is typed (`has_permission`), whatever page is asked for.
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from cnum.accounts import otp


class SecondFactorAdminSite(admin.AdminSite):
    site_header = "cnum — administration technique"
    site_title = "cnum — administration technique"

    def has_permission(self, request):
        return super().has_permission(request) and not otp.second_factor_pending(request.user)

    def login(self, request, extra_context=None):
        """One sign-in for the whole service: cnum's, then the second factor, then back to the admin."""
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("accounts:login"))
