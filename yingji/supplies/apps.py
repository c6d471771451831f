
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "yingji.supplies"
    label = "supplies"
    verbose_name = _("Supplies")
    nav_items = [("supplies:search", _("Supplies"))]

    def ready(self) -> None:
        from yingji.resources.gazetteer import register_source
        from yingji.supplies.models import Warehouse

        register_source("warehouse", Warehouse, lambda: (
            (pk, name, lon, lat, "warehouse") for pk, name, lon, lat in
            Warehouse.objects.exclude(lon=None).values_list("pk", "name", "lon", "lat")))
