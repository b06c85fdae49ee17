"""Renewal campaigns: the programme team offers new terms to the structures whose conventions end, each structure
answers in the app before a deadline, reminders leave 14 and 3 days before it, and a dashboard follows the answers.

DOMAIN.md: "70 % of structures re-engaged after the Dec 2022 degressive terms" is the re-engagement rate of such a
campaign: structures answering "renew" / structures concerned. Each e-mail is remembered (CampaignMessage) right
after it leaves, so a run that fails half-way, run again, sends only what is missing.
"""

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from cnum.core.tabular import safe_row
from cnum.funding.enums import AdvisorChoice, CampaignDecision, CampaignMessageKind, ConventionStatus
from cnum.funding.models import Campaign, CampaignMessage, CampaignResponse, CampaignTarget, Convention
from cnum.funding.perms import answerable_structures
from cnum.structures.enums import PostStatus
from cnum.structures.models import Structure

#: Days before the deadline each reminder leaves (J-14, J-3), to the structures that have not answered.
REMINDERS = {CampaignMessageKind.REMINDER_14: 14, CampaignMessageKind.REMINDER_3: 3}


@dataclass(frozen=True)
class Candidate:
    structure: Structure
    posts: int
    convention_end: datetime.date


def campaign_candidates(
    *, ending_before: datetime.date, departement: str = "", today: datetime.date | None = None
) -> list[Candidate]:
    """Structures whose signed conventions end from `today` to `ending_before` and that hold no convention running
    later; with the posts those conventions still cover (returned posts left out)."""
    today = today or timezone.localdate()
    signed = Convention.objects.filter(status=ConventionStatus.SIGNED)
    ending = signed.filter(end__gte=today, end__lte=ending_before).exclude(
        structure__in=signed.filter(end__gt=ending_before).values("structure_id")
    )
    if departement:
        ending = ending.filter(structure__departement_id=departement)
    rows = (
        ending.values("structure_id")
        .annotate(
            posts=Count("posts__post", filter=~Q(posts__post__status=PostStatus.RETURNED), distinct=True),
            last_end=Max("end"),
        )
        .filter(posts__gt=0)
        .order_by()
    )
    by_id = {row["structure_id"]: row for row in rows}
    structures = Structure.objects.filter(pk__in=by_id).select_related("departement").order_by("departement", "name")
    return [
        Candidate(structure=s, posts=by_id[s.pk]["posts"], convention_end=by_id[s.pk]["last_end"]) for s in structures
    ]


@transaction.atomic
def campaign_create(*, name: str, terms: str, scheme, deadline, candidates: list[Candidate], created_by=None):
    """A draft campaign for the chosen structures (sent later by campaign_send)."""
    if not candidates:
        raise ValidationError("Aucune structure ne correspond : la campagne doit concerner au moins une structure.")
    campaign = Campaign.objects.create(name=name, terms=terms, scheme=scheme, deadline=deadline, created_by=created_by)
    CampaignTarget.objects.bulk_create(
        CampaignTarget(campaign=campaign, structure=c.structure, posts=c.posts, convention_end=c.convention_end)
        for c in candidates
    )
    return campaign


def campaign_send(*, campaign: Campaign, site_url: str, today: datetime.date | None = None) -> dict:
    """Open the campaign (it then shows on each structure manager's dashboard) and e-mail each structure's contact.

    Structures without a contact e-mail see the campaign in the app only; they are counted as such."""
    today = today or timezone.localdate()
    if campaign.sent_at is None:
        if campaign.deadline < today:
            raise ValidationError("La date limite est passée : la campagne ne peut plus être envoyée.")
        campaign.sent_at, campaign.site_url = timezone.now(), site_url.rstrip("/")
        campaign.save(update_fields=["sent_at", "site_url"])
    sent, failed, without_contact = 0, 0, 0
    for target in campaign.targets.select_related("structure"):
        outcome = message_send(campaign=campaign, structure=target.structure, kind=CampaignMessageKind.INVITATION)
        sent += outcome == "sent"
        failed += outcome == "failed"
        without_contact += outcome == "no_contact"
    return {"sent": sent, "failed": failed, "without_contact": without_contact}


def answer_url(campaign: Campaign) -> str:
    return f"{campaign.site_url}{reverse('funding:campaign_answer', args=[campaign.pk])}"


def message_text(campaign: Campaign, structure: Structure, kind: str) -> tuple[str, str]:
    """The subject and body (French) of an invitation or a reminder."""
    deadline = f"{campaign.deadline:%d/%m/%Y}"
    if kind == CampaignMessageKind.INVITATION:
        subject = f"Renouvellement de vos postes de conseiller numérique : répondez avant le {deadline}"
        opening = (
            f"L'équipe nationale du dispositif Conseiller numérique ouvre la campagne « {campaign.name} ». "
            f"{structure.name} est concernée : sa convention arrive à échéance."
        )
    else:
        days = REMINDERS[kind]
        subject = f"Rappel : renouvellement de vos postes, plus que {days} jours pour répondre"
        opening = f"Nous n'avons pas encore reçu la réponse de {structure.name} à la campagne « {campaign.name} »."
    body = (
        f"Bonjour,\n\n{opening}\n\n"
        f"Conditions proposées :\n{campaign.terms}\n\n"
        f"Merci d'indiquer avant le {deadline} si vous souhaitez renouveler vos postes, combien, et si vous "
        "conservez vos conseillers. Vous pourrez modifier votre réponse jusqu'à cette date :\n"
        f"{answer_url(campaign)}\n\n"
        "L'équipe du dispositif Conseiller numérique"
    )
    return subject, body


def message_send(*, campaign: Campaign, structure: Structure, kind: str) -> str:
    """Send one e-mail of the campaign unless already sent: "sent", "already", "no_contact" or "failed"."""
    if CampaignMessage.objects.filter(campaign=campaign, structure=structure, kind=kind).exists():
        return "already"
    if not structure.contact_email:
        return "no_contact"
    subject, body = message_text(campaign, structure, kind)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [structure.contact_email])
    except Exception:  # one failing address must not stop the others; the command reports it
        return "failed"
    CampaignMessage.objects.create(
        campaign=campaign, structure=structure, kind=kind, recipient=structure.contact_email
    )
    return "sent"


def reminders_due(today: datetime.date) -> list[tuple[Campaign, Structure, str]]:
    """(campaign, structure, kind) of the reminders to send on `today`: to structures without an answer, once the
    deadline is 14 days away or less (J-14), then 3 days or less (J-3); a structure reached late gets only the
    latest reminder. Nothing after the deadline."""
    due = []
    for campaign in Campaign.objects.sent().filter(deadline__gte=today):
        left = (campaign.deadline - today).days
        kinds = [kind for kind, days in REMINDERS.items() if left <= days]
        if not kinds:
            continue
        kind = min(kinds, key=REMINDERS.get)  # the latest reminder only
        answered = CampaignResponse.objects.filter(campaign=campaign).values("structure_id")
        sent = set(CampaignMessage.objects.filter(campaign=campaign, kind=kind).values_list("structure_id", flat=True))
        targets = campaign.targets.exclude(structure_id__in=answered).select_related("structure")
        due += [(campaign, t.structure, kind) for t in targets.order_by("structure_id") if t.structure_id not in sent]
    return due


def pending_for(user, today: datetime.date | None = None) -> list[dict]:
    """The open campaigns concerning the structures the user may answer for, with their answer if any (the
    dashboard notice)."""
    today = today or timezone.localdate()
    structures = answerable_structures(user)
    if structures is None:
        return []
    targets = CampaignTarget.objects.filter(
        structure__in=structures, campaign__sent_at__isnull=False, campaign__deadline__gte=today
    ).select_related("campaign", "structure")
    answered = set(
        CampaignResponse.objects.filter(structure__in=structures).values_list("campaign_id", "structure_id")
    )
    return [
        {"campaign": t.campaign, "structure": t.structure, "answered": (t.campaign_id, t.structure_id) in answered}
        for t in targets.order_by("campaign__deadline")
    ]


@transaction.atomic
def response_submit(*, campaign: Campaign, structure: Structure, data: dict, answered_by, today=None):
    """Record or change a structure's answer while the campaign is open (until its deadline, included)."""
    today = today or timezone.localdate()
    if not campaign.is_open(today):
        raise ValidationError("La date limite est passée : la réponse ne peut plus être modifiée.")
    target = CampaignTarget.objects.filter(campaign=campaign, structure=structure).first()
    if target is None:
        raise ValidationError("Cette structure n'est pas concernée par la campagne.")
    renew = data["decision"] == CampaignDecision.RENEW
    values = {
        "decision": data["decision"],
        "posts_requested": data["posts_requested"] if renew else 0,
        "advisor_choice": data["advisor_choice"] if renew else "",
        "new_advisors": _new_advisors(data) if renew else 0,
        "reason": "" if renew else data["reason"],
        "comment": data.get("comment", ""),
        "answered_by": answered_by,
        "answered_at": timezone.now(),
    }
    response, _ = CampaignResponse.objects.update_or_create(campaign=campaign, structure=structure, defaults=values)
    return response


def _new_advisors(data: dict) -> int:
    if data["advisor_choice"] == AdvisorChoice.KEEP:
        return 0
    if data["advisor_choice"] == AdvisorChoice.REPLACE:
        return data["posts_requested"]
    return data["new_advisors"] or 0


def campaign_figures(campaign: Campaign, structures=None) -> dict:
    """Answers of a campaign, over all its structures or those of `structures` (a prefecture's territory): response
    rate (structures answering / concerned), re-engagement rate (structures answering "renew" / concerned), and per
    département the posts concerned, kept (requested in a "renew" answer, at most those concerned) and returned
    (concerned minus kept, for the structures that answered)."""
    targets = campaign.targets.select_related("structure__departement")
    if structures is not None:
        targets = targets.filter(structure__in=structures)
    responses = {r.structure_id: r for r in campaign.responses.all()}
    rows: dict[str, dict] = defaultdict(
        lambda: {"structures": 0, "answered": 0, "renew": 0, "posts": 0, "kept": 0, "returned": 0, "pending": 0}
    )
    names = {}
    for target in targets:
        code = target.structure.departement_id or ""
        if target.structure.departement:
            names[code] = target.structure.departement.name
        row = rows[code]
        row["structures"] += 1
        row["posts"] += target.posts
        response = responses.get(target.structure_id)
        if response is None:
            row["pending"] += target.posts
            continue
        row["answered"] += 1
        kept = min(response.posts_requested, target.posts) if response.decision == CampaignDecision.RENEW else 0
        row["renew"] += response.decision == CampaignDecision.RENEW
        row["kept"] += kept
        row["returned"] += target.posts - kept
    total = {key: sum(row[key] for row in rows.values()) for key in ("structures", "answered", "renew", "posts")}
    total.update({key: sum(row[key] for row in rows.values()) for key in ("kept", "returned", "pending")})
    for row in (*rows.values(), total):
        row["response_rate"] = _rate(row["answered"], row["structures"])
        row["reengagement_rate"] = _rate(row["renew"], row["structures"])
    departements = [{"code": code, "name": names.get(code, ""), **rows[code]} for code in sorted(rows)]
    return {"total": total, "departements": departements}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


CSV_HEADERS = [
    "Département",
    "Nom",
    "Structures concernées",
    "Structures ayant répondu",
    "Taux de réponse (%)",
    "Structures réengagées",
    "Taux de réengagement (%)",
    "Postes concernés",
    "Postes conservés",
    "Postes rendus",
    "Postes sans réponse",
]


def campaign_csv(figures: dict) -> bytes:
    """The per-département table as CSV (UTF-8 with BOM, `;`, as the statistics exports)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADERS)
    for row in [*figures["departements"], {"code": "Total", "name": "", **figures["total"]}]:
        writer.writerow(
            safe_row(
                [
                    row["code"] or "sans département",
                    row["name"],
                    row["structures"],
                    row["answered"],
                    _percent(row["response_rate"]),
                    row["renew"],
                    _percent(row["reengagement_rate"]),
                    row["posts"],
                    row["kept"],
                    row["returned"],
                    row["pending"],
                ]
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}".replace(".", ",")


def latest_reengagement(structures=None) -> dict | None:
    """The re-engagement rate of the latest sent campaign (over `structures` when given), for the fact sheet."""
    campaign = Campaign.objects.sent().order_by("-sent_at", "-pk").first()
    if campaign is None:
        return None
    figures = campaign_figures(campaign, structures)
    if not figures["total"]["structures"]:
        return None
    return {"campaign": campaign, **figures["total"]}
