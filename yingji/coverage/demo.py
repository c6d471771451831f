"""Demo steps: the road network (20), demand cells (25), candidate sites (26).

The Futian demo uses the real road network of Futian and eastern Nanshan that
ships with the engine (yingji/routing/data). A city-scale demo reaches far
beyond that extract, so it gets a synthetic city spanning the city's box, and
the coverage page says "synthetic network". Later steps read the loaded
network from `context.extra["road_network"]` (places stand beside its roads:
`routing.places.RoadSpots`).
"""

from __future__ import annotations

from pathlib import Path

import shapely
from django.db import transaction
from shapely.geometry import shape

from yingji.core import travel
from yingji.core.demo import DemoContext, demo_step
from yingji.coverage.models import (
    CandidateSite,
    NetworkSource,
    PlaceKind,
    RoadNetwork,
)
from yingji.coverage.services.cells import DEFAULT_RESOLUTION, generate_demand_cells
from yingji.coverage.services.networks import install_file, record_network, save_network
from yingji.jurisdictions.models import Jurisdiction
from yingji.routing import Network, synthetic_city
from yingji.routing.demo import FUTIAN_NPZ
from yingji.routing.places import RoadSpots

#: The shipped network is used when it spans at least this share of the demo area.
MIN_OVERLAP = 0.8
CITY_NODES = 60_000


def _bbox_of(jurisdictions: list[Jurisdiction]) -> tuple[float, float, float, float]:
    shapes = [shape(j.boundary) for j in jurisdictions if j.boundary]
    return tuple(shapely.union_all(shapes).bounds) if shapes else (114.00, 22.50, 114.09, 22.58)  # type: ignore[return-value]


def _overlap(inner: tuple[float, ...], outer: tuple[float, ...]) -> float:
    """Share of box `inner` that lies inside box `outer`."""
    w = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    h = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return w * h / area if area > 0 else 0.0


def choose_network(area_bbox: tuple[float, float, float, float], seed: int) -> tuple[Network, bool]:
    """The shipped Futian network when it spans the area, else a synthetic city over the area's box."""
    shipped = Network.load(FUTIAN_NPZ)
    if _overlap(area_bbox, shipped.bbox) >= MIN_OVERLAP:
        return shipped, False
    net = synthetic_city(CITY_NODES, seed=seed, bbox=area_bbox)
    net.meta.pop("river_rows", None)
    net.meta.update({"name": f"synthetic-city-{seed}", "source": "synthetic", "profile": "synthetic"})
    return net, True


@demo_step(20, "road network")
def install_road_network(context: DemoContext) -> None:
    area_bbox = _bbox_of(context.districts)
    path = travel.configured_path()
    existing = None
    if path and Path(path).exists():
        try:
            existing = Network.load(path)
        except (OSError, ValueError, KeyError):
            existing = None
    if existing is not None and _overlap(area_bbox, existing.bbox) >= MIN_OVERLAP:
        network, how = existing, "kept"
    else:
        network, synthetic = choose_network(area_bbox, context.seed)
        if path:
            if synthetic:
                save_network(network, path)
            else:
                install_file(FUTIAN_NPZ, path)
        how = "synthetic" if synthetic else "installed"
    if path and not RoadNetwork.objects.filter(path=path, node_count=network.n_nodes).exists():
        record_network(network, path, source_file="" if how == "kept" else str(FUTIAN_NPZ),
                       source=NetworkSource.SYNTHETIC if network.meta.get("source") == "synthetic" else None)
    context.extra["road_network"] = network
    context.say(f"  {network!r} ({how}{', ' + path if path else ', not saved: YINGJI_ROAD_NETWORK is empty'})")


@demo_step(25, "demand cells")
def generate_cells(context: DemoContext) -> None:
    network = context.extra.get("road_network")
    total = 0
    for district in context.districts:
        total += generate_demand_cells(district, actor=None, resolution=DEFAULT_RESOLUTION, network=network)
    context.say(f"  {total} H3 cells (resolution {DEFAULT_RESOLUTION}) carrying the residents")


STREET_PLACES = ((PlaceKind.MALL, 2, "购物中心"), (PlaceKind.HOSPITAL, 1, "医院"), (PlaceKind.PARK, 2, "公园"),
                 (PlaceKind.INDUSTRIAL_PARK, 3, "产业园"), (PlaceKind.STREET_FRONT, 3, "沿街商铺"),
                 (PlaceKind.SCHOOL, 1, "学校"))


@demo_step(26, "candidate sites")
def generate_places(context: DemoContext) -> None:
    rng = context.sub_rng("coverage-places")
    spots = RoadSpots(context.extra.get("road_network"))
    places: list[CandidateSite] = []
    for community in context.communities:
        if not community.boundary:
            continue
        stem = community.name.removesuffix("社区")
        [(lon, lat)] = spots.inside(community.boundary, 1, rng)
        places.append(CandidateSite(jurisdiction=community, name=f"{stem}党群服务中心",
                                    kind=PlaceKind.COMMUNITY_CENTRE, lon=lon, lat=lat))
    communities_of: dict[str, list[Jurisdiction]] = {}
    for community in context.communities:
        communities_of.setdefault(community.path.rsplit("/", 2)[0] + "/", []).append(community)
    for street in context.streets:
        members = [c for c in communities_of.get(street.path, []) if c.boundary]
        if not members:
            continue
        for kind, count, suffix in STREET_PLACES:
            for n in range(1, count + 1):
                community = rng.choice(members)
                [(lon, lat)] = spots.inside(community.boundary, 1, rng)
                name = f"{street.name.removesuffix('街道')}{community.name.removesuffix('社区')}{suffix}"
                places.append(CandidateSite(jurisdiction=community, name=name if count == 1 else f"{name}{n}",
                                            kind=kind, lon=lon, lat=lat))
    with transaction.atomic():
        CandidateSite.objects.bulk_create(places, batch_size=1000)
    context.say(f"  {len(places)} candidate sites")
