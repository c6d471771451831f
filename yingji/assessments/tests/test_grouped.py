"""Every indicator measured for all the subjects at once (grouped.py) answers the figures its one-area
function answers for each subject, and the ranking pages ask the ledgers a fixed number of times,
whatever the number of streets (issue 13)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.assessments.grouped import Subjects, measure_all
from yingji.assessments.models import Scheme
from yingji.assessments.presets import TWO_HALVES_AND_A_BATCH, load_presets
from yingji.assessments.services import quarter_windows
from yingji.assessments.tests import builders as b
from yingji.assessments.tests.test_worked_example import example_ledgers
from yingji.core import indicators as registry
from yingji.core.indicators import Measured, Window
from yingji.core.testing import Cast, make_jurisdiction, web_client
from yingji.jurisdictions.models import Level

pytestmark = pytest.mark.django_db

# The parameters the presets give each key, and none (the defaults).
PARAMS: dict[str, list[dict[str, Any]]] = {
    "resources.stations_by_type": [{}, TWO_HALVES_AND_A_BATCH],
    "publicity.events": [{}, {"per_community": 1}],
    "training.quiz_people": [{}, {"per_community": 5}],
    "supplies.stock_counted": [{}, {"days": 30}],
    "plans.current": [{}, {"min_plans": 3}],
}


def _as_figures(measured: Measured) -> tuple[Any, ...]:
    """What a ranking reads (the drill-down's records come from the one-area function)."""
    return measured.achieved, measured.required, measured.extra, measured.details, measured.share


def test_every_grouped_indicator_answers_what_its_one_area_function_answers(cast: Cast) -> None:
    example_ledgers(cast)
    b.hazard(cast.community_c, b.at(2023, 5, 15), closed=b.at(2023, 5, 1))   # street 2 has some rows too
    b.incident(cast.grid_a1, b.at(2023, 5, 3), dispatch_s=20, arrive_s=100, handle_s=200)  # under a grid
    windows = [Window(datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)), *(w for _q, w in quarter_windows(2023))]
    levels = {"streets": [cast.street_1, cast.street_2],
              "communities": [cast.community_a, cast.community_b, cast.community_c]}
    registry.discover()  # the apps' grouped forms are registered beside their indicators
    assert len(registry.GROUPED) >= 14
    compared = 0
    for key in registry.GROUPED:
        function = registry.get(key).function
        for params in PARAMS.get(key, [{}]):
            for areas in levels.values():
                together = Subjects(cast.district, areas, windows)  # the ledger quality: one pass for all
                for window in windows:
                    found = measure_all(key, together, window, params)
                    for area in areas:
                        assert _as_figures(found[area.pk]) == _as_figures(function(area, window, params)), (
                            key, params, area.name, window)
                        compared += 1
    assert compared >= 14 * 25
    # The example's figures are not all nothing: the comparison saw the rows.
    street_1 = measure_all("training.days_met", Subjects(cast.district, levels["streets"]), windows[0], {})
    assert (street_1[cast.street_1.pk].achieved, street_1[cast.street_1.pk].required) == (1, 3)


def _ranking_queries(client: Any, url: str) -> int:
    client.get(url)  # the session, the content types: what the first request of a process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_rankings_ask_the_ledgers_as_often_for_two_streets_as_for_six(cast: Cast) -> None:
    example_ledgers(cast)
    load_presets(cast.district)
    futian = Scheme.objects.get(code=f"futian-{cast.district.code}")
    client = web_client(cast.commander)
    pingshan = f"pingshan-2024-{cast.district.code}"
    pages = [f"/assessments/{futian.code}/2023/", f"/assessments/{futian.code}/2023/q2/",
             f"/assessments/{futian.code}/2023/s/{cast.street_1.code}/", f"/assessments/{pingshan}/2023/"]
    two = [_ranking_queries(client, url) for url in pages]
    for n in range(3, 7):
        street = make_jurisdiction(Level.STREET, f"440304{n:03d}000", f"街道{n}", cast.district)
        community = make_jurisdiction(Level.COMMUNITY, f"440304{n:03d}001", f"街道{n}社区", street)
        b.hazard(community, b.at(2023, 5, 15), closed=b.at(2023, 5, 1))
        b.incident(community, b.at(2023, 5, 3), dispatch_s=20, arrive_s=100, handle_s=200)
    six = [_ranking_queries(client, url) for url in pages]
    assert "街道6" in client.get(pages[0]).content.decode()
    assert six == two


def test_each_grouped_form_lives_in_the_app_of_its_indicator() -> None:
    """One counting rule per indicator: the grouped form is registered by the app that owns the one-area
    function (drills, training and publicity beside their indicators), not copied into assessments."""
    registry.discover()
    assert {"drills.own", "training.days_met", "training.coverage", "publicity.events"} <= set(registry.GROUPED)
    for key, function in registry.GROUPED.items():
        owner = registry.get(key).function.__module__.split(".")[1]
        assert function.__module__.split(".")[1] == owner, key
