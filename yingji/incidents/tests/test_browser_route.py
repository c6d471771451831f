"""The responder's phone draws the road path to the scene with "N min · X km", and installs as an app."""

from __future__ import annotations

import re

import pytest

from yingji.core import travel
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.tests.builders import fire_in_a, world
from yingji.incidents.tests.test_route import roads
from yingji.routing import TravelTimeEngine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def called(cast):  # type: ignore[no-untyped-def]
    travel.use_engine(TravelTimeEngine(roads()))
    w = world(cast)
    incident = fire_in_a(cast, lon=114.035, lat=22.535)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    yield d
    travel.use_engine(None)


def test_it_draws_the_road_route_and_says_how_long(cast, called, page_for, live_server, screenshot):
    phone = page_for(cast.responder_a, language="en", mobile=True)
    phone.goto(live_server.url + "/incidents/me/")
    phone.wait_for_selector(f"#map-{called.pk}[data-route-drawn=road]")
    text = phone.inner_text(f"[data-testid=route-summary-{called.pk}]")
    assert re.fullmatch(r"\d+\.\d min · \d+\.\d km", text), text  # a road time: tenths of a minute, no "about"
    # The path is drawn as a polyline with many vertices (the streets), not the two ends of a straight line.
    assert int(phone.get_attribute(f"#map-{called.pk}", "data-route-points")) > 4
    screenshot(phone, "incidents-responder-route")
    scope = phone.evaluate("navigator.serviceWorker.ready.then(function (r) { return r.scope; })")
    assert scope.endswith("/incidents/me/")
    # The offline copy of the call-outs is on the phone now; logging out deletes it (a shared phone).
    phone.reload()
    phone.wait_for_selector(f"#map-{called.pk}[data-route-drawn=road]")
    kept = "caches.keys().then(function (k) { return k.filter(function (n) { return n.indexOf('yingji-responder-') === 0; }); })"
    phone.wait_for_function(f"{kept}.then(function (k) {{ return k.length > 0; }})")
    with phone.expect_navigation():
        phone.evaluate("document.querySelector('form[action$=\"/logout/\"]').submit()")
    phone.wait_for_selector("body[data-offline-copies=forgotten]")
    assert "/accounts/login/" in phone.url
    assert phone.evaluate(kept) == []


def test_it_routes_from_the_phone_position_when_asked(cast, called, page_for, live_server):
    phone = page_for(cast.responder_a, language="en", mobile=True)
    phone.context.grant_permissions(["geolocation"], origin=live_server.url)
    phone.context.set_geolocation({"longitude": 114.05, "latitude": 22.545})
    phone.goto(live_server.url + "/incidents/me/")
    phone.wait_for_selector(f"#map-{called.pk}[data-route-drawn=road]")
    phone.click("[data-testid=route-from-here]")
    phone.wait_for_function(
        f"document.querySelector('[data-testid=route-summary-{called.pk}]').textContent.includes('from your position')")
