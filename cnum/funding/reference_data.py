"""Load the funding reference files (cnum/funding/reference/*.json) into the database, idempotently: rows are
matched on their natural keys; a row already equal to the file is left untouched, so a second load writes
nothing and records nothing in the audit trail."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from cnum.funding.enums import PaymentTiming
from cnum.funding.models import BudgetLine, BudgetProgramme, GrantScheme, GrantSchemeTranche

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
BUDGET_FILE = REFERENCE_DIR / "budget-lines.json"
SCHEMES_FILE = REFERENCE_DIR / "grant-schemes.json"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def count(self, obj, created: bool, changed: bool) -> None:
        if created:
            self.created.append(str(obj))
        elif changed:
            self.updated.append(str(obj))
        else:
            self.unchanged += 1


def _sync(model, report: LoadReport, *, keys: dict, values: dict):
    """Create the row or bring it in line with `values`, saving only when something differs."""
    obj = model.objects.filter(**keys).first()
    if obj is None:
        obj = model.objects.create(**keys, **values)
        report.count(obj, created=True, changed=True)
        return obj
    changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
    for name, value in changed.items():
        setattr(obj, name, value)
    if changed:
        obj.save(update_fields=list(changed))
    report.count(obj, created=False, changed=bool(changed))
    return obj


def years_without_lines(budget_file: Path = BUDGET_FILE) -> dict[int, str]:
    """Fiscal year → why the budget has no voted line for it (phase 1's credits were not voted year by year)."""
    budget = json.loads(budget_file.read_text(encoding="utf-8"))
    return {year: entry["text"] for entry in budget.get("years_without_lines", []) for year in entry["years"]}


@transaction.atomic
def funding_reference_load(*, budget_file: Path = BUDGET_FILE, schemes_file: Path = SCHEMES_FILE) -> LoadReport:
    report = LoadReport()
    budget = json.loads(budget_file.read_text(encoding="utf-8"))
    programmes = {}
    for entry in budget["programmes"]:
        actions = {action["code"]: action["label"] for action in entry.get("actions", [])}
        programmes[entry["code"]] = _sync(
            BudgetProgramme, report, keys={"code": entry["code"]}, values={"label": entry["label"], "actions": actions}
        )
    for line in budget["lines"]:
        _sync(
            BudgetLine,
            report,
            keys={
                "programme": programmes[line["programme"]],
                "action": line["action"],
                "fiscal_year": line["fiscal_year"],
                "version": line["version"],
            },
            values={"ae": line["ae"], "cp": line["cp"], "source": line.get("source", "")},
        )
    schemes = json.loads(schemes_file.read_text(encoding="utf-8"))
    for entry in schemes["schemes"]:
        scheme = _sync(
            GrantScheme,
            report,
            keys={"code": entry["code"]},
            values={
                key: entry.get(key, "")
                for key in ("phase", "employer_kind", "label", "duration_months", "state_costs", "source")
            }
            | {"payment_timing": entry.get("payment_timing", PaymentTiming.START)},
        )
        for tranche in entry["tranches"]:
            values = {key: tranche[key] for key in ("months", "amount", "zone_bonus", "overseas_amounts")}
            _sync(GrantSchemeTranche, report, keys={"scheme": scheme, "rank": tranche["rank"]}, values=values)
    return report


def funding_reference_loaded() -> bool:
    return BudgetLine.objects.exists() and GrantScheme.objects.exists()
