"""The base class every cnum management command shares: logging, audit attribution, atomicity, --dry-run,
and a progress bar for long work."""

import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from cnum.core import audit, jobs


class DryRun(Exception):
    """Raised inside the transaction to roll back everything a --dry-run did."""


class CnumCommand(BaseCommand):
    #: Commands that change data run in one transaction and accept --dry-run.
    changes_data = True

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.command_name = subcommand
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        if self.changes_data:
            parser.add_argument(
                "--dry-run", action="store_true", help="Tout analyser et afficher, sans rien enregistrer."
            )

    @property
    def logger(self):
        return logging.getLogger(f"cnum.commands.{self.command_name}")

    def execute(self, *args, **options):
        self.dry_run = options.get("dry_run", False)
        self.verbosity = options.get("verbosity", 1)
        actor = audit.Actor(label=f"commande {getattr(self, 'command_name', type(self).__module__)}")
        with audit.acting_as(actor):
            if not self.changes_data:
                return super().execute(*args, **options)
            try:
                with transaction.atomic():
                    result = super().execute(*args, **options)
                    if self.dry_run:
                        raise DryRun
                    return result
            except DryRun:
                self.stdout.write(self.style.WARNING("Simulation (--dry-run) : aucune modification enregistrée."))
                return None

    def progress(self, iterable=None, *, total=None, desc="", unit=" lignes"):
        """A progress bar on stderr with its rate and time left, hidden when not on a terminal or with -v 0.

        Run as a background task (cnum.core.jobs), the command reports to the task's progress instead, which the
        task's page shows."""
        job_progress = jobs.current_progress()
        if job_progress is not None and self.verbosity != 0:  # a command called quietly inside it keeps quiet
            job_progress.unit = unit
            return job_progress(iterable, total=total, desc=desc)
        disable = self.verbosity == 0 or not sys.stderr.isatty()
        return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr)

    def fail(self, message: str):
        raise CommandError(message)
