"""A person's data on request (GDPR right of access, article 15): everything cnum holds about one beneficiary or
one account, as a JSON file to hand over. Never other people's data: an accompaniment shows its date, themes,
place and structure, not the advisor's name nor the other participants; actions in the audit trail show what kind
of object changed, not the object's name.

cnum.core sits below the domain apps: it reaches them by app label and by the relations of the person's row.
"""

import datetime
import json
import os
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.module_loading import import_string

from cnum.core import audit
from cnum.core.commands import CnumCommand
from cnum.core.models import AuditEvent

BENEFICIARY_FIELDS = [
    "is_followed", "first_name", "last_name", "birth_year", "commune", "phone", "email", "consent_date", "genre",
    "age_bracket", "social_status", "notes", "created_at", "erased_at",
]  # fmt: skip
USER_FIELDS = ["email", "first_name", "last_name", "is_active", "date_joined", "last_login"]
ADVISOR_FIELDS = ["first_name", "last_name", "email", "phone", "created_at", "updated_at"]
THEME_ENUMS = {"themes": "cnum.activities.enums.Theme", "demarche_themes": "cnum.activities.enums.DemarcheTheme"}


def _plain(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _fields(instance, names: list[str]) -> dict:
    """Field label → value, choices shown by their label."""
    record = {}
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if field.choices and value not in (None, ""):
            value = getattr(instance, f"get_{name}_display")()
        record[str(field.verbose_name)] = _plain(value)
    return record


def _labels(values: list[str], enum_path: str) -> list[str]:
    choices = dict(import_string(enum_path).choices)
    return [str(choices.get(value, value)) for value in values]


def _accompaniment(accompaniment) -> dict:
    activity = accompaniment.activity
    return {
        "date": activity.date.isoformat(),
        "type": activity.get_type_display(),
        "durée (minutes)": activity.duration_minutes,
        "thématiques": _labels(activity.themes, THEME_ENUMS["themes"]),
        "thématiques de démarche": _labels(activity.demarche_themes, THEME_ENUMS["demarche_themes"]),
        "lieu": str(activity.site) if activity.site_id else activity.get_place_type_display(),
        "structure": str(activity.structure),
        "premier accompagnement": accompaniment.is_first,
        "dit avoir progressé": accompaniment.get_progressed_display(),
        # Notes of a collective session may speak of the other participants.
        "notes": activity.notes if activity.type == "individuel" else "",
    }


def beneficiary_export(beneficiary) -> dict:
    accompaniments = beneficiary.accompaniments.select_related("activity__site", "activity__structure").order_by(
        "activity__date", "pk"
    )
    return {
        "personne": {"type": "bénéficiaire", "identifiant": beneficiary.pk},
        "données": _fields(beneficiary, BENEFICIARY_FIELDS),
        "accompagnements": [_accompaniment(accompaniment) for accompaniment in accompaniments],
    }


def user_export(user) -> dict:
    data = {
        "personne": {"type": "compte", "identifiant": user.pk},
        "données": _fields(user, USER_FIELDS),
        "rôles": [
            {"rôle": assignment.get_role_display(), "périmètre": str(assignment.scope or "national")}
            for assignment in user.roles.select_related("scope_type").order_by("pk")
        ],
        "fiche de conseiller": None,
        "jetons d'API": [
            {
                "nom": token.name,
                "créé le": _plain(token.created_at),
                "dernière utilisation": _plain(token.last_used_at),
                "révoqué le": _plain(token.revoked_at),
            }
            for token in user.api_tokens.order_by("pk")
        ],
        "connexions": [
            {"date": _plain(log.attempt_time), "adresse IP": log.ip_address}
            for log in apps.get_model("axes.AccessLog").objects.filter(username__iexact=user.email).order_by("pk")
        ],
        "actions enregistrées dans le journal d'audit": [
            {
                "date": _plain(event.at),
                "action": event.get_action_display(),
                "type d'objet": str(event.content_type.model_class()._meta.verbose_name)
                if event.content_type.model_class()
                else event.content_type.model,
                "identifiant": event.object_id,
            }
            for event in AuditEvent.objects.filter(actor_id=user.pk).select_related("content_type").order_by("pk")
        ],
    }
    try:
        data["fiche de conseiller"] = _fields(user.advisor, ADVISOR_FIELDS)
    except ObjectDoesNotExist:
        pass
    return data


class Command(CnumCommand):
    help = (
        "Exporte en JSON toutes les données d'une personne (droit d'accès, RGPD art. 15) : un bénéficiaire "
        "(--beneficiary ID) avec ses accompagnements, ou un compte (--user ADRESSE). Jamais les données d'autrui."
    )
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        person = parser.add_mutually_exclusive_group(required=True)
        person.add_argument("--beneficiary", type=int, help="Numéro du bénéficiaire.")
        person.add_argument("--user", help="Adresse électronique du compte.")
        parser.add_argument("--output", required=True, type=Path, help="Fichier JSON à écrire.")

    def handle(self, *args, beneficiary=None, user=None, output, **options):
        if beneficiary is not None:
            found = apps.get_model("activities.Beneficiary").objects.filter(pk=beneficiary).first()
            if found is None:
                self.fail(f"Aucun bénéficiaire n° {beneficiary}.")
            data = beneficiary_export(found)
        else:
            found = get_user_model().objects.filter(email__iexact=user.strip()).first()
            if found is None:
                self.fail("Aucun compte avec cette adresse.")
            data = user_export(found)
        data = {"exporté le": timezone.localtime().isoformat(), **data}
        output.parent.mkdir(parents=True, exist_ok=True)
        # Personal data: readable by its owner only, from the first byte.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=2)
        # Who handed whose data out, and when: the trail keeps the request, never the data.
        audit.record_bulk(
            type(found),
            summary={"identifiant": found.pk},
            description="Export des données d'une personne (droit d'accès)",
        )
        self.stdout.write(self.style.SUCCESS(f"Données de la personne écrites dans {output}."))
