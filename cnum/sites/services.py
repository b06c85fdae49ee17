"""Workflows on sites that touch several models: deciding on a possible duplicate (docs/sites-mapping.md, "Doublons").

A duplicate candidate holds the values a row of another source proposed for an existing site. The programme team
either merges them — choosing per field which value to keep; by default the existing non-empty values stay and
blanks are filled from the new source — or says it is not a duplicate, which creates the site from the proposal.
Either way the new source's values are kept in the site's provenance (SiteSource), with their date.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from cnum.sites.enums import DuplicateStatus
from cnum.sites.importers.base import record_provenance
from cnum.sites.importers.csv_auto import FIELDS
from cnum.sites.models import Site, SiteDuplicateCandidate

#: Fields a reviewer chooses between; the place moves as one (address, postal code, commune).
MERGEABLE = (
    ("name", ("name",)),
    ("pivot", ("pivot",)),
    ("address", ("address", "address_complement", "postal_code", "commune_name", "commune_id", "departement_id")),
    ("coordinates", ("latitude", "longitude")),
    ("phone", ("phone",)),
    ("emails", ("emails",)),
    ("websites", ("websites",)),
    ("opening_hours", ("opening_hours",)),
    ("services", ("services",)),
    ("specific_publics", ("specific_publics",)),
    ("summary", ("summary",)),
    ("description", ("description",)),
    ("booking_url", ("booking_url",)),
)
EXISTING, PROPOSED = "existing", "proposed"


def proposed_values(candidate: SiteDuplicateCandidate) -> dict:
    """The proposal as Site attribute values (dates back from ISO form)."""
    values = dict(candidate.proposed)
    if values.get("updated_on"):
        values["updated_on"] = datetime.date.fromisoformat(values["updated_on"])
    return values


def _empty(value) -> bool:
    return value in (None, "", [])


def default_choice(site: Site, values: dict, attributes: tuple[str, ...]) -> str:
    """Keep the existing value unless it is empty and the new source gives one."""
    existing_empty = all(_empty(getattr(site, name)) for name in attributes)
    proposed_given = any(not _empty(values.get(name)) for name in attributes)
    return PROPOSED if existing_empty and proposed_given else EXISTING


def _decide(candidate: SiteDuplicateCandidate, *, status: str, decided_by) -> None:
    candidate.status, candidate.decided_by, candidate.decided_at = status, decided_by, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "created_site"])


@transaction.atomic
def duplicate_merge(*, candidate: SiteDuplicateCandidate, choices: dict[str, str], decided_by) -> Site:
    """Merge the proposal into the existing site: for each group of MERGEABLE, `choices[group]` says which value
    to keep (default_choice when absent). The site's own source stays; the new source joins its provenance."""
    site, values = candidate.site, proposed_values(candidate)
    for group, attributes in MERGEABLE:
        if choices.get(group, default_choice(site, values, attributes)) == PROPOSED:
            for name in attributes:
                if name in values:
                    setattr(site, name, values[name])
    if values.get("updated_on") and values["updated_on"] > site.updated_on:
        site.updated_on = values["updated_on"]
    site.review_notes = list(dict.fromkeys([*site.review_notes, *values.get("review_notes", [])]))
    site.save()
    record_provenance([(values, site)], fields=FIELDS)
    _decide(candidate, status=DuplicateStatus.MERGED, decided_by=decided_by)
    return site


@transaction.atomic
def duplicate_reject(*, candidate: SiteDuplicateCandidate, decided_by) -> Site:
    """Not a duplicate: the proposal becomes a site of its own source."""
    values = proposed_values(candidate)
    attributes = {name for name in (*FIELDS, "commune_id", "departement_id")}
    site = Site.objects.create(**{name: value for name, value in values.items() if name in attributes})
    record_provenance([(values, site)], fields=FIELDS)
    candidate.created_site = site
    _decide(candidate, status=DuplicateStatus.REJECTED, decided_by=decided_by)
    return site


def differences(candidate: SiteDuplicateCandidate) -> list[dict]:
    """Each mergeable group, side by side, for the review page: label, existing, proposed, differs, default."""
    site, values = candidate.site, proposed_values(candidate)
    rows = []
    for group, attributes in MERGEABLE:
        existing = _shown(getattr(site, name) for name in attributes if not name.endswith("_id"))
        new = _shown(values.get(name) for name in attributes if not name.endswith("_id"))
        label = Site._meta.get_field(attributes[0]).verbose_name if group != "coordinates" else "coordonnées"
        rows.append(
            {
                "group": group,
                "label": str(label),
                "existing": existing,
                "proposed": new,
                "differs": existing != new,
                "default": default_choice(site, values, attributes),
            }
        )
    return rows


def _shown(values) -> str:
    parts = []
    for value in values:
        if isinstance(value, list):
            value = ", ".join(value)
        if not _empty(value):
            parts.append(str(value))
    return " — ".join(parts)
