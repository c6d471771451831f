"""Django admin for the supplies ledgers (superusers' back office; staff use /supplies/).

Stock itself is read-only here: balances, lots and movements change only
through yingji/supplies/services, which keep the ledger consistent.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yingji.supplies.models import (
    Allocation,
    AllocationLine,
    Material,
    StockMovement,
    Warehouse,
)


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "shelf_life_days", "maintenance_days", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name", "aliases"]
    raw_id_fields = ["jurisdiction"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "jurisdiction", "keeper_name", "phone", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["jurisdiction", "station", "keeper"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnly):
    list_display = ["occurred_at", "warehouse", "material", "kind", "quantity", "balance_after", "actor_name",
                    "document"]
    list_filter = ["kind"]
    search_fields = ["warehouse__code", "material__code", "document"]
    list_select_related = ["warehouse", "material"]


class LineInline(admin.TabularInline):
    model = AllocationLine
    extra = 0
    can_delete = False
    readonly_fields = ["warehouse", "material", "quantity", "dispatched", "received", "discrepancy_note"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnly):
    list_display = ["number", "status", "jurisdiction", "destination", "incident_ref", "requested_at"]
    list_filter = ["status"]
    search_fields = ["number", "incident_ref", "purpose"]
    inlines = [LineInline]
