from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from cnum.access import rules, services
from cnum.accounts.enums import Role
from cnum.stats.scopes import SYNTAX

SCOPE_HELP = f"Comme pour les statistiques : {SYNTAX}. Une structure : structure:<SIRET ou numéro>."


class TargetFormMixin:
    """A role and its scope, read into `self.target` (services.Target)."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.target = services.target_read(cleaned["role"], cleaned["scope"])
        except ValidationError as error:
            raise ValidationError(list(error.message_dict.values())[0]) from error
        return cleaned


class GrantForm(TargetFormMixin, forms.Form):
    """A role the user may grant and its scope, offered within the user's own scope; services.grant_check has the
    last word (cnum.access.rules)."""

    role = forms.ChoiceField(label="Rôle")
    scope = forms.CharField(label="Périmètre", max_length=64, help_text=SCOPE_HELP)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["role"].choices = [(role, Role(role).label) for role in rules.grantable_roles(user)]
        assignment = user.active_role
        if assignment is not None and assignment.role != Role.PROGRAMME_TEAM:
            self.fields["scope"].initial = str(rules.own_scope(assignment))


class InviteForm(GrantForm):
    email = forms.EmailField(label="Adresse électronique de la personne invitée")

    field_order = ["email", "role", "scope"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleChangeForm(GrantForm):
    """Another role and/or scope for a role assignment, in one step (issue #18: "change or remove a role")."""

    role = forms.ChoiceField(label="Nouveau rôle", widget=forms.Select(attrs={"class": "fr-select"}))
    scope = forms.CharField(
        label="Nouveau périmètre",
        max_length=64,
        help_text=SCOPE_HELP,
        widget=forms.TextInput(attrs={"class": "fr-input"}),
    )


class InvitationAcceptForm(forms.Form):
    """A new account: the invitee's names and password (or ProConnect, a link on the page)."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif password:
            try:
                password_validation.validate_password(password)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AccessRequestForm(TargetFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Rôle demandé", choices=[(role, Role(role).label) for role in rules.REQUESTABLE_ROLES]
    )
    scope = forms.CharField(label="Structure ou territoire", max_length=64, help_text=SCOPE_HELP)
    message = forms.CharField(
        label="Message (facultatif)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    ACCEPT, REFUSE = "accept", "refuse"

    decision = forms.ChoiceField(label="Décision", choices=[(ACCEPT, "Accepter"), (REFUSE, "Refuser")])
    reason = forms.CharField(label="Motif (obligatoire pour un refus)", required=False, max_length=1000)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Indiquez le motif du refus : il est envoyé à la personne.")
        return cleaned
