"""Activities in the admin. Beneficiaries are not registered: their personal data is their advisor's only
(DOMAIN.md "Roles"); accompaniments show a beneficiary's number, never their name."""

from django.contrib import admin

from cnum.activities.models import Accompaniment, Activity, CoordinationActivity
from cnum.activities.services import recompute_first_accompaniments


class AccompanimentInline(admin.TabularInline):
    model = Accompaniment
    extra = 0
    fields = ["beneficiary_id", "is_first", "progressed"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "type", "duration_minutes", "advisor", "structure", "source"]
    list_filter = ["type", "place_type", "source"]
    date_hierarchy = "date"
    search_fields = ["advisor__last_name", "structure__name", "title", "source_id"]
    raw_id_fields = ["advisor", "structure", "site", "commune", "redirection_site", "created_by"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [AccompanimentInline]

    # The statistics follow these writes by themselves (cnum.core.writes); a person's first accompaniment is a rule
    # of the records, kept here as the services keep it (a date edited or an activity deleted can move it).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute_first_accompaniments(obj.accompaniments.values_list("beneficiary_id", flat=True))

    def delete_model(self, request, obj):
        people = list(obj.accompaniments.values_list("beneficiary_id", flat=True))
        super().delete_model(request, obj)
        recompute_first_accompaniments(people)

    def delete_queryset(self, request, queryset):
        people = list(Accompaniment.objects.filter(activity__in=queryset).values_list("beneficiary_id", flat=True))
        super().delete_queryset(request, queryset)
        recompute_first_accompaniments(people)


@admin.register(CoordinationActivity)
class CoordinationActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "duration_minutes", "participants", "team", "structure"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    raw_id_fields = ["team", "structure", "created_by"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
