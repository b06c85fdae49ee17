from django.contrib import admin

from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ["structure", "post", "kind", "start", "end", "end_reason"]
    raw_id_fields = ["structure", "post"]


class SiteAssignmentInline(admin.TabularInline):
    model = SiteAssignment
    extra = 0
    raw_id_fields = ["site"]


class TrainingInline(admin.TabularInline):
    model = Training
    extra = 0


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "user"]
    search_fields = ["last_name", "first_name", "email"]
    raw_id_fields = ["user"]
    inlines = [ContractInline, SiteAssignmentInline, TrainingInline]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["advisor", "structure", "post", "kind", "start", "end", "end_reason"]
    list_filter = ["kind", "end_reason"]
    search_fields = ["advisor__last_name", "advisor__first_name", "structure__name"]
    raw_id_fields = ["advisor", "structure", "post"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["advisor"]
    readonly_fields = ["decided_by", "decided_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "structure", "coordinator"]
    search_fields = ["name"]
    raw_id_fields = ["structure", "coordinator"]
    inlines = [TeamMembershipInline]
