"""Activities in the admin. Beneficiaries are not registered: their personal data is their advisor's only
(DOMAIN.md "Roles"); accompaniments show a beneficiary's number, never their name."""

from django.contrib import admin

from cnum.activities.models import Accompaniment, Activity


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
