"""Demo step: a district shaped like Futian (or a Shenzhen-size city) and its users.

The Futian district is fitted to the road extract that ships with the engine
(routing/data): its outline is the part of Futian's box the extract's roads
serve (`routing.places.served_area`), so every place the later steps put in
it stands on a road and no travel time of the demo is a straight-line guess.

Streets carry their official codes (data/shenzhen-divisions.csv); communities
and grids are generated: Voronoi cells around seeded points, clipped to their
parent, so the boundaries tile the district with no gaps or overlaps.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Point, Polygon, box, mapping
from shapely.ops import nearest_points

from yingji.core.demo import DemoContext, demo_step
from yingji.jurisdictions import locate
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.routing import Network
from yingji.routing.demo import FUTIAN_NPZ
from yingji.routing.places import served_area

DIVISIONS = Path(__file__).parent / "data" / "shenzhen-divisions.csv"
FUTIAN_BBOX = (114.00, 22.50, 114.09, 22.58)
CITY_BBOX = (113.76, 22.45, 114.62, 22.86)
# Rough real positions of Futian's streets (lon, lat), so the map looks familiar.
FUTIAN_STREET_SEEDS = {
    "440304001": (114.083, 22.538),  # 南园
    "440304002": (114.090, 22.556),  # 园岭 (clipped to the box)
    "440304004": (114.064, 22.524),  # 福田
    "440304005": (114.030, 22.522),  # 沙头
    "440304006": (114.018, 22.548),  # 香蜜湖
    "440304007": (114.040, 22.570),  # 梅林
    "440304008": (114.056, 22.556),  # 莲花
    "440304009": (114.072, 22.556),  # 华富
    "440304010": (114.050, 22.508),  # 福保
    "440304011": (114.085, 22.548),  # 华强北
}
COMMUNITY_STEMS = (
    "滨河 新洲 景田 香梅 彩田 岗厦 皇岗 水围 上沙 下沙 沙尾 福民 益田 新沙 金地 天安 华强 通新岭 荔村 园东 园西 "
    "上梅林 下梅林 新阁 翰岭 梅京 孖岭 梅都 梅丰 梅亭 梅岭 福新 福安 福强 福南 福山 福华 福中 福星 岗边 渔农 "
    "石厦 新港 新华 东海 侨香 竹林 竹园 香安 香岭 农园 农林 华富 田面 莲花北 莲花二村 景华 彩虹 梅华 新田 "
    "南华 南天 南村 赤尾 巴登 沙嘴 沙埔 玉田 福滨 福保 益华 海滨 红荔 园岭 百花 华林 鹏盛 长城 八卦岭 "
    "华新 华航 荔林 燕南 通新 振华 华中 圣廷 振兴 红岭 笋岗 紫荆 松岭 雅园 景新 蓝天 金海 新村 康欣 香林 "
    "上步 中心 深南 会展 市民 莲塘 香蜜 侨城 绿景 天健 泰然 车公庙 下梅 安托山 北环 彩福"
).split()


def _fitted(seeds: list[tuple[float, float]], bbox: tuple[float, float, float, float],
            region: Polygon) -> list[tuple[float, float]]:
    """Seeds placed in `bbox` moved to the same relative place in `region`'s box, then inside `region`."""
    minx, miny, maxx, maxy = region.bounds
    out = []
    for lon, lat in seeds:
        p = Point(minx + (lon - bbox[0]) / (bbox[2] - bbox[0]) * (maxx - minx),
                  miny + (lat - bbox[1]) / (bbox[3] - bbox[1]) * (maxy - miny))
        if not region.contains(p):
            p = nearest_points(region.buffer(-0.002), p)[0]
        out.append((p.x, p.y))
    return out


def _read_divisions() -> list[dict[str, str]]:
    with DIVISIONS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _street_code(nine: str) -> str:
    return nine + "000"


def _tile(region: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """Voronoi cells of `seeds` clipped to `region`, in the order of the seeds."""
    if len(seeds) == 1:
        return [region]
    cells = voronoi_polygons(MultiPoint(seeds), extend_to=region.envelope.buffer(0.05))
    ordered: list[Polygon] = []
    pieces = list(cells.geoms)
    for seed in seeds:
        point = Point(seed)
        cell = next(c for c in pieces if c.covers(point))
        clipped = cell.intersection(region)
        if clipped.geom_type == "MultiPolygon":
            clipped = max(clipped.geoms, key=lambda g: g.area)
        ordered.append(clipped.buffer(0))
    return ordered


def _points_in(region: Polygon, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """n seeded points spread inside a region (rejection sampling with a minimum spacing)."""
    minx, miny, maxx, maxy = region.bounds
    spacing = math.sqrt(region.area / max(n, 1)) * 0.45
    points: list[tuple[float, float]] = []
    attempts = 0
    while len(points) < n:
        attempts += 1
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if not region.contains(Point(p)):
            continue
        if attempts < 5000 and any(math.dist(p, q) < spacing for q in points):
            continue
        points.append(p)
    return points


def _geojson(polygon: Polygon) -> dict[str, Any]:
    geo = mapping(polygon.simplify(0.00005))
    return {"type": geo["type"], "coordinates": _round(geo["coordinates"])}


def _round(value: Any) -> Any:
    if isinstance(value, tuple | list):
        if value and isinstance(value[0], float):
            return [round(v, 6) for v in value]
        return [_round(v) for v in value]
    return value


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights, each at least 1, summing to total."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


def _make(level: str, code: str, name: str, parent: Jurisdiction | None, polygon: Polygon | None,
          population: int) -> Jurisdiction:
    j = Jurisdiction(level=level, code=code, name=name, parent=parent, population=population,
                     households=int(population / 2.6))
    # compute_path() reads parent_id, which unsaved parents do not have yet.
    j.path = f"{parent.path if parent is not None else '/'}{code}/"
    j.depth = j.path.count("/") - 2
    if polygon is not None:
        j.boundary = _geojson(polygon)
        point = polygon.representative_point()
        j.centroid_lon, j.centroid_lat = round(point.x, 6), round(point.y, 6)
    return j


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.stems = list(COMMUNITY_STEMS)
        rng.shuffle(self.stems)
        self.used: set[str] = set()
        self.rng = rng

    def community(self) -> str:
        for stem in self.stems:
            if stem not in self.used:
                self.used.add(stem)
                return f"{stem}社区"
        n = len(self.used)
        self.used.add(str(n))
        return f"{self.rng.choice(self.stems)}{n}社区"


def _build_district(context: DemoContext, district: Jurisdiction, region: Polygon, streets: list[dict[str, str]],
                    seeds: list[tuple[float, float]], n_communities: int, grids_per_community: int,
                    names: _Names, rng: random.Random) -> None:
    street_cells = _tile(region, seeds)
    per_street = _split(n_communities, [c.area for c in street_cells])
    for row, cell, count in zip(streets, street_cells, per_street, strict=True):
        community_cells = _tile(cell, _points_in(cell, count, rng))
        populations = [int(rng.uniform(8_000, 26_000)) for _ in community_cells]
        street = _make(Level.STREET, _street_code(row["code"]), row["name"], district, cell, sum(populations))
        context.streets.append(street)
        for index, (ccell, people) in enumerate(zip(community_cells, populations, strict=True), start=1):
            community = _make(Level.COMMUNITY, f"{row['code']}{index:03d}", names.community(), street, ccell, people)
            context.communities.append(community)
            n_grids = max(3, grids_per_community + rng.randint(-2, 2))
            grid_cells = _tile(ccell, _points_in(ccell, n_grids, rng))
            grid_people = _split(people, [rng.uniform(0.6, 1.4) for _ in grid_cells])
            for g, (gcell, gpeople) in enumerate(zip(grid_cells, grid_people, strict=True), start=1):
                context.grids.append(_make(Level.GRID, f"{community.code}{g:02d}",
                                           f"{community.name}第{g}网格", community, gcell, gpeople))
    district.population = sum(s.population for s in context.streets if s.parent is district)
    district.households = int(district.population / 2.6)


@demo_step(10, "jurisdictions")
def generate_jurisdictions(context: DemoContext) -> None:
    rng = context.sub_rng("jurisdictions")
    divisions = _read_divisions()
    by_code = {row["code"]: row for row in divisions}
    names = _Names(rng)
    city_row = by_code["440300"]
    if context.scale in ("futian", "small"):
        region = served_area(Network.load(FUTIAN_NPZ), FUTIAN_BBOX)
        city = _make(Level.CITY, "440300", city_row["name"], None, None, 0)
        city.centroid_lon, city.centroid_lat = 114.0579, 22.5431
        district = _make(Level.DISTRICT, "440304", by_code["440304"]["name"], city, region, 0)
        context.city, context.districts = city, [district]
        streets = [by_code[code] for code in FUTIAN_STREET_SEEDS]
        seeds = _fitted(list(FUTIAN_STREET_SEEDS.values()), FUTIAN_BBOX, region)
        n_communities, per = (92, 6) if context.scale == "futian" else (12, 3)
        if context.scale == "small":
            streets, seeds = streets[:3], seeds[:3]
        _build_district(context, district, region, streets, seeds, n_communities, per, names, rng)
    else:
        city = _make(Level.CITY, "440300", city_row["name"], None, box(*CITY_BBOX), 0)
        context.city = city
        district_rows = [r for r in divisions if r["level"] == "district"]
        district_seeds = _points_in(box(*CITY_BBOX), len(district_rows), rng)
        district_cells = _tile(box(*CITY_BBOX), district_seeds)
        for row, cell in zip(district_rows, district_cells, strict=True):
            district = _make(Level.DISTRICT, row["code"], row["name"], city, cell, 0)
            context.districts.append(district)
            streets = [r for r in divisions if r["parent_code"] == row["code"] and r["code"][-3:] < "400"]
            _build_district(context, district, cell, streets, _points_in(cell, len(streets), rng),
                            len(streets) * 8, 6, names, rng)
        city.population = sum(d.population for d in context.districts)
    with transaction.atomic():
        Jurisdiction.objects.bulk_create([context.city])
        Jurisdiction.objects.bulk_create(context.districts)
        Jurisdiction.objects.bulk_create(context.streets, batch_size=500)
        Jurisdiction.objects.bulk_create(context.communities, batch_size=500)
        Jurisdiction.objects.bulk_create(context.grids, batch_size=1000)
    # bulk_create sends no signal: the point lookup built before (an earlier run in this process)
    # would place the later steps' incidents and stores in jurisdictions that are gone.
    locate.forget()
    context.say(f"  {len(context.districts)} districts, {len(context.streets)} streets, "
                f"{len(context.communities)} communities, {len(context.grids)} grids")
