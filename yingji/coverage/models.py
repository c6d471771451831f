"""What the coverage capability stores: road networks, demand, candidate sites and runs.

The travel times themselves come from the engine (yingji/routing) through
yingji/core/travel.py; these tables hold what it is asked about (where people
live, where a station could go; the risk points are the hazards app's) and what it answered
when the answer was too slow to compute on a page (siting runs).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet
from yingji.resources.models import StationKind


class NetworkSource(models.TextChoices):
    OPENSTREETMAP = "openstreetmap", _("OpenStreetMap extract")
    SYNTHETIC = "synthetic", _("Synthetic network")
    OTHER = "other", _("Other source")


class RoadNetwork(models.Model):
    """A road network imported for travel times: which file, from where, how big.

    The engine reads the file named by settings.YINGJI_ROAD_NETWORK; the newest
    row for that path describes it on the coverage page (and says when the
    network is synthetic). Not scoped: a district has one network.
    """

    name = models.CharField(_("name"), max_length=120)
    path = models.CharField(_("file"), max_length=500)
    source = models.CharField(_("source"), max_length=20, choices=NetworkSource.choices,
                              default=NetworkSource.OPENSTREETMAP)
    source_file = models.CharField(_("imported from"), max_length=500, blank=True)
    profile = models.CharField(_("speed profile"), max_length=40, blank=True)
    node_count = models.PositiveIntegerField(_("junctions"), default=0)
    edge_count = models.PositiveIntegerField(_("road segments"), default=0)
    bbox = models.JSONField(_("bounding box"), default=list, blank=True,
                            help_text=_("[min lon, min lat, max lon, max lat], WGS-84."))
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    seconds = models.FloatField(_("import time (s)"), default=0)

    class Meta:
        verbose_name = _("road network")
        verbose_name_plural = _("road networks")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_synthetic(self) -> bool:
        return self.source == NetworkSource.SYNTHETIC


class DemandCell(models.Model):
    """An H3 hexagon of the district with the residents estimated to live in it.

    The unit of population coverage: a cell is covered when a station reaches
    its centre within the target time. Cells are derived from the boundaries
    and populations of the jurisdictions (services.generate_demand_cells) and
    hang on the grid (or community) containing their centre, so they follow
    the scope rule like any ledger row.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.CASCADE, related_name="demand_cells")
    h3 = models.CharField(_("H3 cell"), max_length=16, unique=True)
    resolution = models.PositiveSmallIntegerField(_("H3 resolution"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    population = models.FloatField(_("population"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("demand cell")
        verbose_name_plural = _("demand cells")
        ordering = ["h3"]
        constraints = [
            models.CheckConstraint(condition=models.Q(population__gte=0), name="demand_cell_population_not_negative"),
        ]

    def __str__(self) -> str:
        return self.h3


class PlaceKind(models.TextChoices):
    COMMUNITY_CENTRE = "community_centre", _("Community service centre")
    MALL = "mall", _("Shopping mall")
    HOSPITAL = "hospital", _("Hospital")
    PARK = "park", _("Park")
    SCHOOL = "school", _("School")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    STREET_FRONT = "street_front", _("Street-front shop")
    OTHER = "other", _("Other place")


# The kind of station a place would host (what-if and siting count it as such).
PLACE_STATION_KIND = {
    PlaceKind.COMMUNITY_CENTRE: StationKind.COMMUNITY,
    PlaceKind.MALL: StationKind.MALL,
    PlaceKind.HOSPITAL: StationKind.HOSPITAL,
    PlaceKind.PARK: StationKind.SMALL,
    PlaceKind.SCHOOL: StationKind.SMALL,
    PlaceKind.INDUSTRIAL_PARK: StationKind.INDUSTRIAL_PARK,
    PlaceKind.STREET_FRONT: StationKind.STREET_FRONT,
    PlaceKind.OTHER: StationKind.OTHER,
}


class CandidateSite(LedgerModel):
    """A place that could host a new service station (a community service centre,
    a mall, a hospital, a park…): the choices of the what-if and of the siting."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="candidate_sites")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type of place"), max_length=20, choices=PlaceKind.choices, db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))

    class Meta:
        verbose_name = _("candidate site")
        verbose_name_plural = _("candidate sites")
        ordering = ["jurisdiction__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def station_kind(self) -> str:
        return PLACE_STATION_KIND[PlaceKind(self.kind)]


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CoverageRun(models.Model):
    """One computed siting study of an area: the parameters, the figures per
    street and community, the recommended new sites and the set-cover count.

    Computed by a task (tasks.run_siting) because it takes seconds; the page
    shows the newest finished run at once. A derived result, not a ledger: no
    audit record, scoped by the area it was computed for.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("area"),
                                     on_delete=models.CASCADE, related_name="coverage_runs")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    limit_minutes = models.FloatField(_("target time (min)"))
    new_sites = models.PositiveSmallIntegerField(_("new stations (K)"))
    candidate_kind = models.CharField(_("candidates"), max_length=20, blank=True,
                                      help_text=_("A type of place, or empty for any demand cell."))
    station_kinds = models.JSONField(_("station types counted"), default=list, blank=True)
    network = models.CharField(_("road network"), max_length=120, blank=True)
    estimated = models.BooleanField(_("straight-line estimate"), default=False)
    seconds = models.FloatField(_("computing time (s)"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # {"population", "covered_population", "share_before", "share_after", "lscp_sites", …}
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    # [{"code", "name", "level", "population", "covered", "share", "share_after", …}]
    areas = models.JSONField(_("figures per street and community"), default=list, blank=True)
    # [{"lon", "lat", "name", "kind", "gain", "street"}]
    sites = models.JSONField(_("recommended sites"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("coverage run")
        verbose_name_plural = _("coverage runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(limit_minutes__gt=0), name="coverage_run_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.limit_minutes:g} min · K={self.new_sites}"


class Layout(models.TextChoices):
    TODAY = "today", _("Today's stations")
    RECOMMENDED = "recommended", _("Today's stations and the recommended sites")
    DRAWN = "drawn", _("Stations drawn on the map")


class ReplayRun(models.Model):
    """One what-if replay (推演复盘) stored for a large period: the past incidents of an area replayed
    against a station layout by road time, beside what really happened; and the residents within a
    15-minute walk of a shelter (15分钟社区生活圈).

    Small replays are answered on the page at once (services/whatif.py); a large one is a task
    (tasks.run_replay) that fills this row. A derived result, not a ledger: no audit record.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("area"),
                                     on_delete=models.CASCADE, related_name="replay_runs")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    start = models.DateField(pgettext_lazy("period", "from"))
    end = models.DateField(pgettext_lazy("period", "to"))
    layout = models.CharField(_("station layout"), max_length=12, choices=Layout.choices, default=Layout.TODAY)
    siting_run = models.ForeignKey(CoverageRun, verbose_name=_("siting study"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    points = models.JSONField(_("drawn stations"), default=list, blank=True)
    keep_existing = models.BooleanField(_("keep today's stations"), default=True)
    turnout_s = models.PositiveIntegerField(_("turnout time (s)"), default=0)
    seconds = models.FloatField(_("computing time (s)"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # {"totals": {...}, "streets": [...], "types": [...], "walking": {...}, "stations": n, "estimated": n}
    result = models.JSONField(_("figures of the replay"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("what-if replay")
        verbose_name_plural = _("what-if replays")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="replay_run_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.start}–{self.end} · {self.layout}"
