import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from cnum.activities.models import ReminderKind, ReminderSent
from cnum.activities.reminders import reminders_due
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "Relance par courriel les conseillers sans activité depuis 30 jours, et leur structure après 45 jours "
        "(une relance par période sans activité). À lancer chaque jour."
    )
    # Each reminder is remembered right after its e-mail leaves: one transaction for the whole run would forget,
    # on a later failure, e-mails already sent, and send them again the next day.
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Afficher les relances dues, sans rien envoyer.")
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Date du jour (AAAA-MM-JJ).")

    def handle(self, *args, today=None, dry_run=False, **options):
        today = today or timezone.localdate()
        due = reminders_due(today)
        sent = failed = 0
        for reminder in self.progress(due, total=len(due), desc="Relances"):
            line = ReminderKind(reminder.kind).label
            if dry_run:
                self.stdout.write(f"À envoyer : {line} — {reminder.advisor} → {reminder.recipient}")
                continue
            try:
                send_mail(reminder.subject, reminder.body, settings.DEFAULT_FROM_EMAIL, [reminder.recipient])
            except Exception:
                self.logger.exception("Relance non envoyée à %s", reminder.recipient)
                failed += 1
                continue
            ReminderSent.objects.create(
                advisor=reminder.advisor,
                kind=reminder.kind,
                period_start=reminder.period_start,
                recipient=reminder.recipient,
            )
            sent += 1
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Simulation (--dry-run) : {len(due)} relance(s) non envoyée(s)."))
            return
        self.stdout.write(self.style.SUCCESS(f"{sent} relance(s) envoyée(s), {failed} échec(s)."))
        if failed:
            self.fail(f"{failed} relance(s) n'ont pas pu être envoyées.")
