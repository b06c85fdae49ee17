"""The rollup tables follow every change that moves a figure (cnum.stats.rollups):

- activities and accompaniments written through cnum.activities (services, imports, API): the
  `activities_changing` / `activities_changed` announcements;
- an employer structure moved to another commune or département, or changing type (public/private), or joining
  or leaving a national network: its activities move between scopes;
- a team membership created, changed (its period, or accepted or refused) or removed: its advisor's activities move
  in or out of the team's figures.

Hubs' territories are reference data: after changing them, run `python manage.py stats_rebuild`.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from cnum.activities.models import Accompaniment, Activity
from cnum.activities.signals import activities_changed, activities_changing
from cnum.advisors.models import TeamMembership
from cnum.stats import rollups
from cnum.structures.models import Structure

STATE_KEY = "stats"
STRUCTURE_FIELDS = ("type", "commune_id", "departement_id")
MEMBERSHIP_FIELDS = ("team_id", "advisor_id", "start", "end", "status")


def on_activities_changing(sender, change, **kwargs):
    change.state[STATE_KEY] = rollups.snapshot(change.activity_ids, change.beneficiary_ids)


def on_activities_changed(sender, change, **kwargs):
    rollups.apply_change(change.state.pop(STATE_KEY), change.activity_ids, change.beneficiary_ids)


def _begin(instance, activities) -> None:
    activity_ids = list(activities.values_list("pk", flat=True))
    instance._stats_before = rollups.snapshot(activity_ids, _people_of(activity_ids))


def _finish(instance, activities=None) -> None:
    before = getattr(instance, "_stats_before", None)
    if before is None:
        return
    del instance._stats_before
    activity_ids = list(activities.values_list("pk", flat=True)) if activities is not None else ()
    rollups.apply_change(before, activity_ids, _people_of(activity_ids))


def _people_of(activity_ids) -> set[int]:
    return set(Accompaniment.objects.filter(activity_id__in=activity_ids).values_list("beneficiary_id", flat=True))


def _changed(instance, fields) -> bool:
    if instance.pk is None:
        return False
    stored = type(instance).objects.filter(pk=instance.pk).values(*fields).first()
    return stored is not None and any(stored[name] != getattr(instance, name) for name in fields)


def on_structure_pre_save(sender, instance, raw=False, **kwargs):
    if not raw and _changed(instance, STRUCTURE_FIELDS):
        _begin(instance, Activity.objects.filter(structure_id=instance.pk))


def on_structure_post_save(sender, instance, raw=False, **kwargs):
    _finish(instance)


def on_networks_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    if reverse:  # network.structures.add(...): the structures are pk_set (all of them for a clear)
        structure_ids = pk_set if pk_set is not None else set(instance.structures.values_list("pk", flat=True))
    else:
        structure_ids = {instance.pk}
    if action.startswith("pre_"):
        _begin(instance, Activity.objects.filter(structure_id__in=structure_ids))
    else:
        _finish(instance)


def on_membership_pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.pk is None or _changed(instance, MEMBERSHIP_FIELDS):
        stored = TeamMembership.objects.filter(pk=instance.pk).values_list("advisor_id", flat=True).first()
        advisors = {instance.advisor_id, stored} - {None}
        _begin(instance, Activity.objects.filter(advisor_id__in=advisors))


def on_membership_post_save(sender, instance, raw=False, **kwargs):
    _finish(instance)


def on_membership_pre_delete(sender, instance, **kwargs):
    _begin(instance, Activity.objects.filter(advisor_id=instance.advisor_id))


def on_membership_post_delete(sender, instance, **kwargs):
    _finish(instance)


def connect() -> None:
    activities_changing.connect(on_activities_changing, dispatch_uid="stats-activities-changing")
    activities_changed.connect(on_activities_changed, dispatch_uid="stats-activities-changed")
    pre_save.connect(on_structure_pre_save, sender=Structure, dispatch_uid="stats-structure-pre")
    post_save.connect(on_structure_post_save, sender=Structure, dispatch_uid="stats-structure-post")
    m2m_changed.connect(on_networks_changed, sender=Structure.networks.through, dispatch_uid="stats-networks")
    pre_save.connect(on_membership_pre_save, sender=TeamMembership, dispatch_uid="stats-membership-pre")
    post_save.connect(on_membership_post_save, sender=TeamMembership, dispatch_uid="stats-membership-post")
    pre_delete.connect(on_membership_pre_delete, sender=TeamMembership, dispatch_uid="stats-membership-pre-del")
    post_delete.connect(on_membership_post_delete, sender=TeamMembership, dispatch_uid="stats-membership-post-del")
