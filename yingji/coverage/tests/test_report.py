"""Coverage figures against the hand-checked line world (see builders.py)."""

from __future__ import annotations

import math

import pytest
from django.core.exceptions import ValidationError

from yingji.coverage.services.report import StationSet, cells_geojson, compute, risk_geojson
from yingji.coverage.tests.builders import NODES, world
from yingji.resources.models import StationKind

pytestmark = pytest.mark.django_db


def by_code(report):  # type: ignore[no-untyped-def]
    return {row.code: row for row in report.rows}


def test_it_covers_the_cells_within_three_minutes_of_the_station(cast):
    world(cast)
    report = compute(cast.commander, area=cast.district, minutes=3)
    assert not report.estimated
    assert report.total.population == 21000 and report.total.covered_population == 10000
    assert report.total.share == pytest.approx(10000 / 21000)
    minutes = {int(p): round(s / 60) for p, s in zip(report.cell_population, report.cell_seconds, strict=True)
               if math.isfinite(s)}
    assert minutes == {1000: 0, 2000: 1, 3000: 2, 4000: 3, 5000: 4, 6000: 5}
    covered = {int(p): bool(c) for p, c in zip(report.cell_population, report.cell_covered, strict=True)}
    assert covered == {1000: True, 2000: True, 3000: True, 4000: True, 5000: False, 6000: False}
    streets = by_code(report)
    assert streets["440304001000"].share == 1.0 and streets["440304001000"].cells == 4
    assert streets["440304002000"].population == 11000 and streets["440304002000"].covered_population == 0
    # risk points: A's red and B's blue are reached, C's red is not
    assert (report.total.risk_points, report.total.covered_risk_points) == (3, 2)
    assert streets["440304001000"].risk_share == 1.0 and streets["440304002000"].risk_share == 0.0
    assert streets["440304001000"].risk_by_grade == {"red": [1, 1], "blue": [1, 1]}


def test_a_longer_target_reaches_further(cast):
    world(cast)
    report = compute(cast.commander, area=cast.district, minutes=4)
    assert report.total.covered_population == 15000
    assert by_code(report)["440304002000"].covered_population == 5000


def test_per_community_rows(cast):
    world(cast)
    rows = by_code(compute(cast.commander, area=cast.district, minutes=3, level="community"))
    assert {code: (r.population, r.covered_population) for code, r in rows.items()} == {
        "440304001001": (3000, 3000), "440304001002": (7000, 7000), "440304002001": (11000, 0)}


def test_filtering_stations_by_type_leaves_out_the_others(cast):
    world(cast)
    report = compute(cast.commander, area=cast.district, minutes=3,
                     station_set=StationSet(kinds=[StationKind.MALL]))
    assert report.sites == [] and report.total.covered_population == 0


def test_a_what_if_site_clicked_on_the_map_covers_street_two(cast):
    world(cast)
    report = compute(cast.commander, area=cast.district, minutes=3,
                     station_set=StationSet.parse(add=f"{NODES[5][0]},{NODES[5][1]}"))
    assert report.total.covered_population == 21000 and report.total.covered_risk_points == 3
    assert report.sites[-1].added


def test_a_what_if_candidate_site_is_counted(cast):
    w = world(cast)
    report = compute(cast.commander, area=cast.district, minutes=3,
                     station_set=StationSet.parse(candidates=[str(w.mall.pk)]))
    assert report.total.covered_population == 21000


def test_an_officer_sees_only_the_cells_of_their_community(cast):
    world(cast)
    report = compute(cast.officer_a, area=cast.community_a, minutes=3)
    assert report.total.population == 3000 and len(report.cell_h3) == 2
    assert [r.code for r in report.rows] == ["44030400100101"]
    assert len(risk_geojson(report)["features"]) == 1


def test_the_map_layer_marks_covered_and_uncovered_cells(cast):
    world(cast)
    layer = cells_geojson(compute(cast.commander, area=cast.district, minutes=3))
    props = sorted((f["properties"] for f in layer["features"]), key=lambda p: p["population"])
    assert [p["covered"] for p in props] == [True, True, True, True, False, False]
    assert [p["band"] for p in props] == [0, 0, 1, 1, 2, 3]
    assert [p["minutes"] for p in props] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert layer["features"][0]["geometry"]["type"] == "Polygon"


def test_without_a_network_the_figures_are_estimates(cast):
    from yingji.core import travel

    world(cast)
    travel.use_engine(None)
    report = compute(cast.commander, area=cast.district, minutes=5)
    assert report.estimated and 0 < report.total.covered_population < 21000


@pytest.mark.parametrize("params", [{"kinds": ["nonsense"]}, {"add": "114.0"}, {"add": "200,22"},
                                    {"candidates": ["x"]}])
def test_bad_station_sets_are_refused(params):
    with pytest.raises(ValidationError):
        StationSet.parse(**params)


def test_bad_minutes_are_refused(cast):
    with pytest.raises(ValidationError):
        compute(cast.commander, area=cast.district, minutes=0)
