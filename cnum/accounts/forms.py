from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from cnum.core.forms import BaseForm


class LoginForm(BaseForm, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class ResetRequestForm(BaseForm, PasswordResetForm):
    email = forms.EmailField(label="Adresse électronique", max_length=254, widget=forms.EmailInput())


class NewPasswordForm(BaseForm, SetPasswordForm):
    pass


class RoleSwitchForm(forms.Form):
    role = forms.IntegerField(widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class OTPCodeForm(BaseForm):
    """The 6-digit code of the authenticator app; whether it is right is the view's business (django-otp)."""

    code = forms.RegexField(
        label="Code à 6 chiffres",
        help_text="Affiché par votre application d'authentification ; il change toutes les 30 secondes.",
        regex=r"^\d{6}$",
        error_messages={"invalid": "Le code est fait de 6 chiffres.", "required": "Saisissez le code à 6 chiffres."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class EnrolmentProofForm(OTPCodeForm):
    """The 6-digit code e-mailed before a first enrolment (accounts.otp: proof of the mailbox)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code reçu par courriel"
        self.fields["code"].help_text = "6 chiffres, valable 15 minutes."
