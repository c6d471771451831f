from django.contrib import admin

from yingji.coverage.models import CandidateSite, CoverageRun, RoadNetwork


@admin.register(RoadNetwork)
class RoadNetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "profile", "node_count", "edge_count", "imported_at", "path")


@admin.register(CandidateSite)
class CandidateSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "jurisdiction")
    list_filter = ("kind",)


@admin.register(CoverageRun)
class CoverageRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "jurisdiction", "status", "limit_minutes", "new_sites", "created_at", "seconds")
    list_filter = ("status",)
