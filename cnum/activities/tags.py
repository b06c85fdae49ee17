"""Tags (issue #21): created, renamed and archived by the programme team, a structure manager or a coordinator,
each within its own scope (cnum.activities.perms: `can_manage_tags`, `managed_tags`, `tag_owner`).

A name is unique per owner whatever its case; archiving keeps the tag on its activities and in the figures but no
advisor may attach it any more.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cnum.activities.enums import TagScope
from cnum.activities.models import Tag

DUPLICATE_NAME = "Une étiquette porte déjà ce nom dans votre périmètre."


def _check_name(name: str, owner: dict, exclude_pk=None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Donnez un nom à l'étiquette."})
    same_owner = {"scope": owner["scope"]}
    if owner["scope"] == TagScope.STRUCTURE:
        same_owner["structure_id"] = owner["structure_id"]
    elif owner["scope"] == TagScope.TEAM:
        same_owner["team_id"] = owner["team_id"]
    if Tag.objects.filter(name__iexact=name, **same_owner).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": DUPLICATE_NAME})
    return name


@transaction.atomic
def tag_create(*, name: str, visibility: str, owner: dict, by=None) -> Tag:
    """Create a tag for `owner` (`scope` and its `structure_id` or `team_id`)."""
    name = _check_name(name, owner)
    return Tag.objects.create(name=name, visibility=visibility, created_by=by, **owner)


@transaction.atomic
def tag_update(*, tag: Tag, name: str, visibility: str) -> Tag:
    """Rename a tag or change its visibility; its activities and figures keep it (figures are kept by tag id)."""
    owner = {"scope": tag.scope, "structure_id": tag.structure_id, "team_id": tag.team_id}
    tag.name = _check_name(name, owner, exclude_pk=tag.pk)
    tag.visibility = visibility
    tag.save(update_fields=["name", "visibility"])
    return tag


@transaction.atomic
def tag_archive(*, tag: Tag, archived: bool = True) -> Tag:
    """Archive a tag (or bring it back): an archived tag stays on its activities but cannot be attached."""
    tag.archived_at = timezone.now() if archived else None
    tag.save(update_fields=["archived_at"])
    return tag
