"""Reminders to advisors who record no activity, and to their structure when the silence lasts.

Rule (the programme's follow-up of activity reporting): an advisor in post who has recorded no activity for
30 days (counted from the last activity, or from the contract start) is reminded; after 45 days their employer's
contact is told. The silence starts the day after the last activity, never before the current contract; one silence
brings one reminder of each kind.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q

from cnum.activities.models import ReminderKind, ReminderSent
from cnum.advisors.models import Advisor

ADVISOR_DELAY_DAYS = 30
STRUCTURE_DELAY_DAYS = 45


@dataclass(frozen=True)
class Reminder:
    advisor: Advisor
    kind: str
    period_start: datetime.date
    last_activity: datetime.date | None
    recipient: str
    subject: str
    body: str


def silence_start(*, last_activity: datetime.date | None, contract_start: datetime.date) -> datetime.date:
    """The first day without activity: the day after the last one, and never before the current contract."""
    if last_activity is None:
        return contract_start
    return max(last_activity + datetime.timedelta(days=1), contract_start)


def reminders_due(today: datetime.date) -> list[Reminder]:
    """The reminders to send on `today`, leaving out those already sent for the same silence."""
    advisors = (
        Advisor.objects.in_post(today)
        .exclude(user__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .with_current_contracts(today)
        .annotate(last_activity=Max("activities__date", filter=Q(activities__date__lte=today)))
        .order_by("pk")
    )
    sent = set(ReminderSent.objects.filter(advisor__in=advisors).values_list("advisor_id", "kind", "period_start"))
    due = []
    for advisor in advisors:
        contract = min(advisor.current_contracts, key=lambda c: (c.start, c.pk))
        start = silence_start(last_activity=advisor.last_activity, contract_start=contract.start)
        silent_days = (today - max(advisor.last_activity or contract.start, contract.start)).days
        if silent_days >= ADVISOR_DELAY_DAYS and (advisor.pk, ReminderKind.ADVISOR_30, start) not in sent:
            due.append(_advisor_reminder(advisor, start, silent_days))
        contact = contract.structure.contact_email
        if (
            contact
            and silent_days >= STRUCTURE_DELAY_DAYS
            and (advisor.pk, ReminderKind.STRUCTURE_45, start) not in sent
        ):
            due.append(_structure_reminder(advisor, contract.structure, start, silent_days))
    return due


def _since(advisor: Advisor, start: datetime.date) -> str:
    if advisor.last_activity is None:
        return f"depuis le début de son contrat, le {start:%d/%m/%Y}"
    return f"depuis le {advisor.last_activity:%d/%m/%Y}"


def _advisor_reminder(advisor: Advisor, start: datetime.date, days: int) -> Reminder:
    since = _since(advisor, start).replace("son contrat", "votre contrat")
    body = (
        f"Bonjour {advisor.first_name},\n\n"
        f"Aucune activité n'a été enregistrée dans cnum {since} ({days} jours).\n"
        "Pensez à saisir vos comptes rendus d'activité : ils font connaître le travail accompli auprès des "
        "personnes accompagnées et comptent dans le suivi du dispositif.\n\n"
        "Si vous êtes absent(e) ou si votre situation a changé, prévenez votre structure employeuse.\n\n"
        "L'équipe cnum"
    )
    return Reminder(
        advisor=advisor,
        kind=ReminderKind.ADVISOR_30,
        period_start=start,
        last_activity=advisor.last_activity,
        recipient=advisor.user.email,
        subject="Aucune activité enregistrée depuis 30 jours",
        body=body,
    )


def _structure_reminder(advisor: Advisor, structure, start: datetime.date, days: int) -> Reminder:
    body = (
        "Bonjour,\n\n"
        f"{advisor.full_name}, conseiller numérique de {structure.name}, n'a enregistré aucune activité dans cnum "
        f"{_since(advisor, start)} ({days} jours).\n"
        "Pouvez-vous vérifier sa situation (absence, changement de poste, fin de contrat) et, le cas échéant, "
        "la mettre à jour dans cnum ?\n\n"
        "L'équipe cnum"
    )
    return Reminder(
        advisor=advisor,
        kind=ReminderKind.STRUCTURE_45,
        period_start=start,
        last_activity=advisor.last_activity,
        recipient=structure.contact_email,
        subject=f"{advisor.full_name} : aucune activité enregistrée depuis 45 jours",
        body=body,
    )
