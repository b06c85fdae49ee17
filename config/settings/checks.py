"""Checks on settings values, kept apart from the settings modules so that they can be tested."""

from django.core.exceptions import ImproperlyConfigured


def check_production_settings(
    *, secret_key: str, allowed_hosts: list[str], databases: dict, allow_sqlite: bool, otp_required: bool = True
):
    """Raise ImproperlyConfigured listing every missing or insecure production setting."""
    problems = []
    if not secret_key or len(secret_key) < 32 or secret_key.startswith("dev-"):
        problems.append("SECRET_KEY doit être défini (au moins 32 caractères aléatoires).")
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("ALLOWED_HOSTS doit lister les noms de domaine servis (pas « * »).")
    if databases["default"]["ENGINE"].endswith("sqlite3") and not allow_sqlite:
        problems.append("DATABASE_URL doit désigner PostgreSQL (ou CNUM_ALLOW_SQLITE=1 pour un petit déploiement).")
    if not otp_required:
        problems.append("CNUM_OTP_REQUIRED ne peut pas être désactivé en production (double authentification).")
    if problems:
        raise ImproperlyConfigured("Configuration de production refusée : " + " ".join(problems))
