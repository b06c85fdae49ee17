"""One shape for every file import (command line and upload page alike).

An importer is a function `run(*, path, dry_run, options) -> ImportReport` registered under a format name. It reads
the whole file, rejects bad rows with their line and reason, and applies the good ones in one transaction — or
nothing at all with `dry_run`. The upload page (core.views_imports) shows the dry-run report before the user
confirms, then runs the same function for real.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def plural(count: int, singular: str, plural_form: str) -> str:
    """French agreement: 0 and 1 take the singular."""
    return f"{count} {singular if abs(count) < 2 else plural_form}"


@dataclass(frozen=True)
class Column:
    """One column a format expects, for the upload page and the template file."""

    name: str
    required: bool = False
    description: str = ""  # French: what the column holds and the values it accepts
    example: str = ""  # a plausible value, written in the template file


@dataclass(frozen=True)
class RowProblem:
    line: int  # 1-based line (CSV: header is line 1) or record number (JSON)
    reason: str  # in French
    value: str = ""  # the offending value, for the reader


@dataclass
class ImportReport:
    format: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    #: Why the whole file was refused (nothing read, nothing written), or "".
    fatal: str = ""

    @property
    def refusal(self) -> str:
        """Why the file as a whole cannot be imported, or "". Some importers only report it as a rejected first
        line before reading any row: a report with rejected lines and no row read is a refused file too."""
        if self.fatal:
            return self.fatal
        if not self.total and self.rejected:
            return self.rejected[0].reason
        return ""

    @property
    def accepted(self) -> int:
        return max(self.total - len(self.rejected), 0)

    @property
    def importable(self) -> bool:
        """Whether confirming would import anything: a refused file or one without a valid row offers nothing."""
        return not self.refusal and self.accepted > 0

    @property
    def figures(self) -> list[tuple[str, int]]:
        return [
            ("lignes lues", self.total),
            ("créées", self.created),
            ("mises à jour", self.updated),
            ("inchangées", self.unchanged),
            ("rejetées", len(self.rejected)),
            ("avertissements", len(self.warnings)),
        ]

    def reject(self, line: int, reason: str, value: str = "") -> None:
        self.rejected.append(RowProblem(line=line, reason=reason, value=str(value)[:200]))

    def warn(self, line: int, reason: str, value: str = "") -> None:
        self.warnings.append(RowProblem(line=line, reason=reason, value=str(value)[:200]))

    def summary(self) -> str:
        """One French sentence: "13 lignes lues : 6 créées, 0 mise à jour, 0 inchangée, 7 rejetées, …"."""
        if self.dry_run:
            done = [f"{self.created} à créer", f"{self.updated} à mettre à jour"]
        else:
            done = [plural(self.created, "créée", "créées"), plural(self.updated, "mise à jour", "mises à jour")]
        parts = [
            *done,
            plural(self.unchanged, "inchangée", "inchangées"),
            plural(len(self.rejected), "rejetée", "rejetées"),
            plural(len(self.warnings), "avertissement", "avertissements"),
        ]
        prefix = "Simulation, rien n'est enregistré — " if self.dry_run else ""
        return f"{prefix}{plural(self.total, 'ligne lue', 'lignes lues')} : {', '.join(parts)}."

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [vars(p) for p in self.rejected],
            "warnings": [vars(p) for p in self.warnings],
            "dry_run": self.dry_run,
            "fatal": self.fatal,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        """The report `as_dict` wrote (a background import's result, cnum.core.jobs), for its result page."""
        known = {"format", "total", "created", "updated", "unchanged", "dry_run", "fatal"}
        report = cls(**{key: value for key, value in data.items() if key in known})
        report.rejected = [RowProblem(**problem) for problem in data.get("rejected", [])]
        report.warnings = [RowProblem(**problem) for problem in data.get("warnings", [])]
        return report


Runner = Callable[..., ImportReport]


@dataclass(frozen=True)
class ImportFormat:
    name: str  # the --format value, e.g. "cnfs-v0-json"
    label: str  # French, for the upload page
    target: str  # what it imports, e.g. "structures" or "lieux"
    extensions: tuple[str, ...]  # accepted file extensions, e.g. (".csv",)
    runner: Runner
    #: The columns the format reads, required ones first; declared once, shown on the upload page and written
    #: into the downloadable template. Empty for formats defined by an outside document (JSON exports).
    columns: tuple[Column, ...] = ()
    #: Who else may read the format's columns and template than the holders of `core.import_files` (a hub for the
    #: sites assistant's format): a predicate on the user, given by the app that registers the format.
    open_to: Callable[[Any], bool] | None = None

    def readable_by(self, user) -> bool:
        return user.has_perm("core.import_files") or bool(self.open_to and self.open_to(user))

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    @property
    def has_template(self) -> bool:
        return bool(self.columns) and any(extension in (".csv", ".xlsx") for extension in self.extensions)


_formats: dict[str, ImportFormat] = {}


def register(import_format: ImportFormat) -> None:
    _formats[import_format.name] = import_format


def get_format(name: str) -> ImportFormat:
    return _formats[name]


def formats(target: str | None = None) -> list[ImportFormat]:
    return [f for f in _formats.values() if target is None or f.target == target]


def run_import(*, format_name: str, path: Path, dry_run: bool, **options) -> ImportReport:
    return get_format(format_name).runner(path=Path(path), dry_run=dry_run, **options)
