"""The administrative tree every ledger hangs from."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from yingji.core.models import LedgerModel


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


LEVEL_ORDER = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
PARENT_LEVEL = {child: parent for parent, child in zip(LEVEL_ORDER, LEVEL_ORDER[1:], strict=False)}


class Jurisdiction(LedgerModel):
    """An administrative area: a city, a district (区), a street (街道/镇),
    a community (社区) or a grid (网格) that one grid worker patrols.

    `path` is the materialised path of codes from the root, e.g.
    "/440300/440304/440304001000/", so a subtree is one indexed
    `path__startswith` query and never a recursion in Python.
    """

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("GB/T 2260 six-digit code for cities and districts, 12-digit statistical code for "
                    "streets and communities, own code for grids."),
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    boundary = models.JSONField(_("boundary"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon, WGS-84."))
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)

    scope_path = "path"

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["path"]
        permissions = [("import_jurisdiction", "Can import jurisdictions"),
                       ("export_jurisdiction", "Can export jurisdictions")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(population__gte=0), name="jurisdiction_population_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs) -> None:
        # The path is derived from parent and code; when either changes, the
        # whole subtree is re-pathed in one UPDATE so scope checks stay right.
        old_path = self.path
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            Jurisdiction.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (self.depth - (old_path.count("/") - 2)),
            )

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/") if code]

    def ancestors(self) -> list[Jurisdiction]:
        """From the root down to this one, in one query (for breadcrumbs)."""
        by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=self.ancestor_codes)}
        return [by_code[c] for c in self.ancestor_codes if c in by_code]

    def subtree(self) -> models.QuerySet[Jurisdiction]:
        return Jurisdiction.objects.filter(path__startswith=self.path)

    def is_within(self, other: Jurisdiction) -> bool:
        return self.path.startswith(other.path)
