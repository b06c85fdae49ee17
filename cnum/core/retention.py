"""Retention periods (docs/privacy.md, "Conservation des données"), applied by `manage.py purge`.

The periods come from `settings.CNUM_RETENTION`; 0 turns a rule off:
- `inactive_accounts_months`: an account without login for that long is deactivated and its personal data
  blanked; the row stays, because the audit trail points at it;
- `followed_beneficiaries_inactive_years`: a followed beneficiary without accompaniment for that long is
  anonymised by the same service as an erasure on request (the accompaniments stay, so the counts stay true);
- `login_logs_months`: login attempts and connection logs (e-mail address, IP address) are deleted;
- `audit_log_years`: older audit events are deleted (the one deletion the append-only trail allows).

cnum.core sits below the domain apps (docs/architecture.md): it reaches users through `get_user_model()` and
beneficiaries through the app registry, by label, as Django's own apps do, never by importing them.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string

from cnum.core import audit
from cnum.core.models import AuditEvent

#: Where a purged account's address points: unique per account, and a domain that can never receive mail.
ERASED_EMAIL_DOMAIN = "anonymise.invalid"
BENEFICIARY_MODEL = "activities.Beneficiary"
BENEFICIARY_ERASE = "cnum.activities.services.beneficiary_erase"
LOGIN_LOG_MODELS = ["axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"]

#: Sent with `user_ids` once accounts are deactivated in bulk (no save(), so no post_save): the apps above core
#: that hang rights on an account withdraw them (cnum.api revokes the accounts' API tokens).
accounts_deactivated = Signal()


@dataclass(frozen=True)
class Periods:
    inactive_accounts_months: int
    followed_beneficiaries_inactive_years: int
    login_logs_months: int
    audit_log_years: int

    @classmethod
    def from_settings(cls) -> "Periods":
        return cls(**{name: int(value) for name, value in settings.CNUM_RETENTION.items()})


@dataclass
class PurgePlan:
    """What the periods reach on `today`: identifiers and counts only, never the data itself."""

    today: datetime.date
    accounts: list[tuple[int, datetime.datetime | None]] = field(default_factory=list)
    beneficiaries: list[tuple[int, datetime.date | None]] = field(default_factory=list)
    login_logs: int = 0
    audit_events: int = 0
    cutoffs: dict[str, datetime.date] = field(default_factory=dict)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate_day in range(day.day, 0, -1):
        try:
            return datetime.date(year, month + 1, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def purge_plan(*, today: datetime.date, periods: Periods) -> PurgePlan:
    plan = PurgePlan(today=today)
    if periods.inactive_accounts_months:
        cutoff = plan.cutoffs["accounts"] = months_before(today, periods.inactive_accounts_months)
        plan.accounts = list(_inactive_accounts(_start_of(cutoff)).values_list("pk", "last_login"))
    if periods.followed_beneficiaries_inactive_years:
        years = periods.followed_beneficiaries_inactive_years
        cutoff = plan.cutoffs["beneficiaries"] = months_before(today, 12 * years)
        plan.beneficiaries = list(_dormant_beneficiaries(cutoff).values_list("pk", "last_accompaniment"))
    if periods.login_logs_months:
        cutoff = plan.cutoffs["login_logs"] = months_before(today, periods.login_logs_months)
        plan.login_logs = sum(queryset.count() for queryset in _old_login_logs(_start_of(cutoff)))
    if periods.audit_log_years:
        cutoff = plan.cutoffs["audit"] = months_before(today, 12 * periods.audit_log_years)
        plan.audit_events = AuditEvent.objects.filter(at__lt=_start_of(cutoff)).count()
    return plan


def _inactive_accounts(cutoff: datetime.datetime):
    """Accounts last seen before `cutoff` (or never, and created before it), not purged yet."""
    return (
        get_user_model()
        .objects.filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(email__endswith=f"@{ERASED_EMAIL_DOMAIN}")
        .order_by("pk")
    )


def _dormant_beneficiaries(cutoff: datetime.date):
    """Followed, not erased yet, and no accompaniment since `cutoff` (nor created since, for someone new)."""
    beneficiaries = apps.get_model(BENEFICIARY_MODEL).objects.filter(
        is_followed=True, erased_at__isnull=True, created_at__lt=_start_of(cutoff)
    )
    return (
        beneficiaries.annotate(last_accompaniment=Max("accompaniments__activity__date"))
        .filter(Q(last_accompaniment__lt=cutoff) | Q(last_accompaniment__isnull=True))
        .order_by("pk")
    )


def _old_login_logs(cutoff: datetime.datetime):
    return [apps.get_model(label).objects.filter(attempt_time__lt=cutoff) for label in LOGIN_LOG_MODELS]


def accounts_deactivate(account_ids: list[int]) -> int:
    """Deactivate the accounts and blank their personal data, in one UPDATE: through save(), the audit trail
    would copy the old name and address into its append-only table, the opposite of the purpose."""
    deactivated = (
        get_user_model()
        .objects.filter(pk__in=account_ids)
        .update(
            email=Concat(Value("compte-"), Cast("pk", CharField()), Value(f"@{ERASED_EMAIL_DOMAIN}")),
            first_name="",
            last_name="",
            password="!",  # unusable: no password can match it
            is_active=False,
            is_staff=False,
            is_superuser=False,
        )
    )
    accounts_deactivated.send(sender=get_user_model(), user_ids=list(account_ids))
    return deactivated


def beneficiaries_erase(beneficiary_ids: Iterable[int]) -> int:
    """Anonymise with the erasure service of cnum.activities (the same rule as an erasure on request)."""
    erase: Callable = import_string(BENEFICIARY_ERASE)
    model = apps.get_model(BENEFICIARY_MODEL)
    erased = 0
    for beneficiary_id in beneficiary_ids:
        erase(beneficiary=model.objects.get(pk=beneficiary_id))
        erased += 1
    return erased


def login_logs_delete(cutoff: datetime.date) -> int:
    return sum(queryset.delete()[0] for queryset in _old_login_logs(_start_of(cutoff)))


def audit_log_trim(cutoff: datetime.date) -> int:
    """Delete audit events older than `cutoff`: the one deletion the append-only trail accepts outside tests."""
    with audit.audit_maintenance():
        deleted, _ = AuditEvent.objects.filter(at__lt=_start_of(cutoff)).delete()
    return deleted


def last_seen(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return "jamais"
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.strftime("%d/%m/%Y")
