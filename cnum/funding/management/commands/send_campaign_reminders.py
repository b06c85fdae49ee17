import datetime

from django.utils import timezone

from cnum.core.commands import CnumCommand
from cnum.funding.campaigns import message_send, reminders_due
from cnum.funding.enums import CampaignMessageKind


class Command(CnumCommand):
    help = (
        "Relance par courriel les structures qui n'ont pas répondu à une campagne de renouvellement, 14 jours puis "
        "3 jours avant la date limite (chaque relance une seule fois par structure). À lancer chaque jour."
    )
    # Each e-mail is remembered right after it leaves (CampaignMessage): one transaction for the run would forget,
    # on a later failure, e-mails already sent.
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Afficher les relances dues, sans rien envoyer.")
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Date du jour (AAAA-MM-JJ).")

    def handle(self, *args, today=None, dry_run=False, **options):
        today = today or timezone.localdate()
        due = reminders_due(today)
        counts = {"sent": 0, "failed": 0, "no_contact": 0, "already": 0}
        for campaign, structure, kind in self.progress(due, total=len(due), desc="Relances"):
            label = CampaignMessageKind(kind).label
            if dry_run:
                self.stdout.write(f"À envoyer : {label} — {campaign} → {structure} ({structure.contact_email or '—'})")
                continue
            outcome = message_send(campaign=campaign, structure=structure, kind=kind)
            counts[outcome] += 1
            if outcome == "failed":
                self.logger.error("Relance non envoyée à %s", structure.contact_email)
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Simulation (--dry-run) : {len(due)} relance(s) non envoyée(s)."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['sent']} relance(s) envoyée(s), {counts['failed']} échec(s), "
                f"{counts['no_contact']} structure(s) sans courriel de contact."
            )
        )
        if counts["failed"]:
            self.fail(f"{counts['failed']} relance(s) n'ont pas pu être envoyées.")
