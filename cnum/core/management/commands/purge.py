import datetime
from dataclasses import asdict

from django.utils import timezone

from cnum.core import audit, retention
from cnum.core.commands import CnumCommand
from cnum.core.models import AuditEvent


class Command(CnumCommand):
    help = (
        "Applique les durées de conservation (CNUM_RETENTION) : désactive et vide les comptes sans connexion, "
        "anonymise les bénéficiaires suivis sans accompagnement, supprime les vieux journaux de connexion et "
        "d'audit. À lancer chaque semaine ; --dry-run liste ce qui changerait."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Date du jour (AAAA-MM-JJ).")

    def handle(self, *args, today=None, dry_run=False, **options):
        periods = retention.Periods.from_settings()
        plan = retention.purge_plan(today=today or timezone.localdate(), periods=periods)
        self._describe(plan, listing=dry_run or self.verbosity >= 2)
        if dry_run:
            return
        audit_events = retention.audit_log_trim(plan.cutoffs["audit"]) if plan.audit_events else 0
        login_logs = retention.login_logs_delete(plan.cutoffs["login_logs"]) if plan.login_logs else 0
        accounts = retention.accounts_deactivate([pk for pk, _ in plan.accounts])
        beneficiaries = retention.beneficiaries_erase(
            self.progress([pk for pk, _ in plan.beneficiaries], total=len(plan.beneficiaries), desc="Anonymisation")
        )
        summary = {
            "comptes_desactives": [pk for pk, _ in plan.accounts],
            "beneficiaires_anonymises": [pk for pk, _ in plan.beneficiaries],
            "journaux_de_connexion_supprimes": login_logs,
            "evenements_d_audit_supprimes": audit_events,
            "durees": asdict(periods),
        }
        audit.record_bulk(AuditEvent, summary=summary, description="Purge des données au-delà de leur conservation")
        message = (
            f"Purge terminée : {accounts} compte(s) désactivé(s) et vidé(s), {beneficiaries} bénéficiaire(s) "
            f"anonymisé(s), {login_logs} journal(aux) de connexion et {audit_events} événement(s) d'audit supprimés."
        )
        self.stdout.write(self.style.SUCCESS(message))
        self.logger.info(message)

    def _describe(self, plan: retention.PurgePlan, *, listing: bool) -> None:
        cutoffs = {name: day.strftime("%d/%m/%Y") for name, day in plan.cutoffs.items()}
        if "accounts" in cutoffs:
            self.stdout.write(f"Comptes sans connexion depuis le {cutoffs['accounts']} : {len(plan.accounts)}")
            for pk, last_login in plan.accounts if listing else []:
                self.stdout.write(f"  compte n° {pk} — dernière connexion : {retention.last_seen(last_login)}")
        if "beneficiaries" in cutoffs:
            self.stdout.write(
                f"Bénéficiaires suivis sans accompagnement depuis le {cutoffs['beneficiaries']} : "
                f"{len(plan.beneficiaries)}"
            )
            for pk, last in plan.beneficiaries if listing else []:
                self.stdout.write(f"  bénéficiaire n° {pk} — dernier accompagnement : {retention.last_seen(last)}")
        if "login_logs" in cutoffs:
            self.stdout.write(f"Journaux de connexion antérieurs au {cutoffs['login_logs']} : {plan.login_logs}")
        if "audit" in cutoffs:
            self.stdout.write(f"Événements d'audit antérieurs au {cutoffs['audit']} : {plan.audit_events}")
