"""Django admin for the registry (superusers' back office; staff use /resources/)."""

from django.contrib import admin

from yingji.resources.models import Equipment, Expert, Facility, Member, MemberCertificate, Station, Team


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "jurisdiction", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["jurisdiction"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "status", "jurisdiction", "station"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "name"]
    raw_id_fields = ["jurisdiction", "station"]


class CertificateInline(admin.TabularInline):
    model = MemberCertificate
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "team_role", "on_duty", "user"]
    list_filter = ["team_role", "on_duty"]
    search_fields = ["name", "team__code", "team__name"]
    raw_id_fields = ["team", "user"]
    inlines = [CertificateInline]


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "organisation", "available"]
    list_filter = ["field", "available"]
    search_fields = ["code", "name", "organisation"]
    raw_id_fields = ["jurisdiction"]


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "count", "status", "station", "next_maintenance_on"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "name", "plate_number"]
    raw_id_fields = ["jurisdiction", "station", "team"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "status", "jurisdiction", "capacity"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["jurisdiction"]
