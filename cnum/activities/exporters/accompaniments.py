"""Export accompaniments, one row each, without personal data: CSV or XLSX, streamed.

A row per accompaniment (individual activity: one; collective: one per followed participant) plus, for a collective
activity with anonymous participants, one aggregated row whose `nombre_personnes` is their count — so that summing
`nombre_personnes` gives the number of accompaniments. `etiquettes`: the names of the activity's tags the reader may
see, joined with `|`. No names, phones, e-mails, notes or free text; activities and
beneficiaries are designated by pseudonyms valid for this export only (HMAC with a random key drawn per export),
so rows of one export can be linked together but not to the database or to another export.
Every cell goes through `cnum.core.tabular.safe_cell` (formula injection).
"""

import csv
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db.models import Prefetch

from cnum.activities.enums import ActivityType, Progress, TagVisibility
from cnum.activities.models import Accompaniment, Activity, Tag
from cnum.core.tabular import safe_row

COLUMNS = (
    "activite",
    "date",
    "type",
    "duree_minutes",
    "type_lieu",
    "lieu_id",
    "code_insee",
    "structure_id",
    "structure_siret",
    "departement",
    "thematiques",
    "thematiques_demarche",
    "materiel",
    "autonomie",
    "niveau",
    "orientation",
    "etiquettes",
    "beneficiaire",
    "suivi",
    "genre",
    "tranche_age",
    "statut_social",
    "nombre_personnes",
    "dont_premier_accompagnement",
    "dont_progression",
)
CHUNK = 2_000


def activities_queryset(*, structure_id=None, departement=None, region=None):
    activities = Activity.objects.select_related("structure", "commune").order_by("pk")
    if structure_id:
        activities = activities.filter(structure_id=structure_id)
    if departement:
        activities = activities.filter(structure__departement_id=departement)
    if region:
        activities = activities.filter(structure__departement__region_id=region)
    # Files made outside the web (command line) name the public tags only: a private tag is its scope's.
    return with_accompaniments(activities, tags=Tag.objects.filter(visibility=TagVisibility.PUBLIC))


def with_accompaniments(activities, *, tags):
    """The activities with what the rows read (their structure, commune and people, and those of their `tags`
    the reader may see), in a few queries a chunk."""
    return activities.select_related("structure", "commune").prefetch_related(
        Prefetch("accompaniments", queryset=Accompaniment.objects.select_related("beneficiary").order_by("pk")),
        Prefetch("tags", queryset=tags.order_by("name", "pk"), to_attr="exported_tags"),
    )


def rows(activities, progress: Callable[[int], object] | None = None) -> Iterator[list]:
    """The export rows (without header), reading activities by chunks of CHUNK; `progress(1)` after each activity
    (a background export's bar, cnum.activities.jobs)."""
    pseudonym_key = secrets.token_bytes(32)

    def pseudonym(kind: str, pk: int) -> str:
        return hmac.new(pseudonym_key, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()[:12]

    for activity in activities.iterator(chunk_size=CHUNK):
        common = _common(activity, pseudonym("a", activity.pk))
        for accompaniment in activity.accompaniments.all():
            person = accompaniment.beneficiary
            yield [
                *common,
                pseudonym("b", person.pk),
                "oui" if person.is_followed else "non",
                person.genre,
                person.age_bracket,
                person.social_status,
                1,
                int(accompaniment.is_first),
                int(accompaniment.progressed == Progress.YES),
            ]
        if activity.type == ActivityType.COLLECTIVE and activity.anonymous_participants:
            yield [
                *common,
                "",
                "non",
                "",
                "",
                "",
                activity.anonymous_participants,
                activity.anonymous_first_time,
                activity.anonymous_progressed,
            ]
        if progress:
            progress(1)


def _common(activity: Activity, reference: str) -> list:
    structure = activity.structure
    return [
        reference,
        activity.date.isoformat(),
        activity.type,
        activity.duration_minutes,
        activity.place_type,
        activity.site_id or "",
        activity.commune.code if activity.commune_id else "",
        structure.pk,
        structure.identifier,
        structure.departement_id or "",
        "|".join(activity.themes),
        "|".join(activity.demarche_themes),
        "|".join(activity.equipment),
        activity.autonomy,
        activity.level,
        activity.redirection_category,
        "|".join(tag.name for tag in activity.exported_tags),
    ]


def export_csv(path: Path, activities, progress=None) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for row in rows(activities, progress):
            writer.writerow(safe_row(row))
            count += 1
    return count


def export_xlsx(path: Path, activities, progress=None) -> int:
    from openpyxl import Workbook  # imported here: only XLSX exports pay for it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("accompagnements")
    sheet.append(COLUMNS)
    count = 0
    for row in rows(activities, progress):
        sheet.append(safe_row(row))
        count += 1
    workbook.save(path)
    return count


EXPORTERS = {"csv": export_csv, "xlsx": export_xlsx}
