"""Issue 13: no page is wider than a 390 px phone.

The sweep logs in as the district commander on a 390 × 844 phone in Chinese, starts at the home page
and the menu, and follows every link of the site, visiting one URL per route of the URL conf (the
first link found to it), over a district holding one of everything (a staffed station, a warehouse
with stock, an incident, a risk point and a hazard, a warning, a plan, a drill, training, a
publicity event, a shift, an IoT device, the assessment presets). On each page it measures
document.documentElement.scrollWidth. The mechanism that keeps pages inside the phone is shared
CSS (yingji/core/static/yingji/yingji.css: a ledger table scrolls within its own box, fields and
media never pass their box), so a page that overflows is a gap in that mechanism, not in the page.

Each role's own journey on the phone (home, menu, main action) is test_browser_roles_phone.py in
accounts.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390

# Routes the sweep does not open: files, feeds and service workers (not pages), and actions that
# change something or end the session when followed as a link.
NOT_PAGES = re.compile(r"(export|template|xlsx|pdf|cap$|atom|rss|_sw$|service_worker|manifest|photo|thumb|delete"
                       r"|logout|set_language|step$|_step|acknowledge|read_all|retry|remove|tick|publish|poll"
                       r"|take_over|areas$|icon|^roads$|^healthz$|media|attachment$)")

# Pages issue 13 named or that hold the widest tables, charts and maps: the sweep must reach each.
MUST_VISIT = {
    "home", "incidents:stats", "incidents:list", "incidents:detail", "incidents:console", "incidents:create",
    "coverage:overview", "coverage:whatif", "dashboard:index", "assessments:index", "assessments:ranking",
    "plans:list", "plans:detail", "drills:list", "drills:detail", "drills:compliance", "training:index",
    "training:courses", "training:course_create", "training:course_edit", "training:sessions", "training:session",
    "training:session_edit", "training:session_create", "training:rules", "training:rule_edit",
    "training:coverage_rule_edit", "publicity:index", "publicity:detail", "publicity:create", "duty:index", "warnings:list", "warnings:detail", "hazards:overview",
    "hazards:list", "hazards:detail", "hazards:points", "hazards:point", "iot:devices", "iot:device",
    "supplies:search", "supplies:warehouses", "supplies:warehouse", "supplies:materials", "supplies:operations",
    "resources:station_list", "resources:station_detail", "resources:team_detail", "resources:member_list",
    "jurisdictions:list", "jurisdictions:detail",
}


def _one_of_everything(cast) -> None:  # type: ignore[no-untyped-def]
    from yingji.assessments.presets import load_presets
    from yingji.drills.tests.builders import drill
    from yingji.duty.tests.builders import make_shift
    from yingji.hazards.tests.builders import hazard, point
    from yingji.incidents.tests.builders import fire_in_a
    from yingji.iot.tests.builders import device
    from yingji.plans.tests.builders import make_plan
    from yingji.publicity import services as publicity
    from yingji.resources.tests import builders as rb
    from yingji.supplies.tests.builders import make_material, make_warehouse, stock
    from yingji.training import services as training
    from yingji.training.tests import builders as tb
    from yingji.warnings.tests.builders import draft

    station = rb.staffed_station(cast.community_a)
    rb.make_expert(cast.district)
    rb.make_equipment(cast.community_a, station=station)
    rb.make_facility(cast.community_a)
    warehouse = make_warehouse(cast.community_a, "CK-A", 114.01, name="A社区应急物资仓库")
    stock(warehouse, make_material(cast, "SY-001", "救生衣", unit="件"), 5,
          expiry_date=timezone.localdate() + datetime.timedelta(days=10))
    fire_in_a(cast)
    point(cast.community_a, "FX-A-1", grade="orange", name="A社区老旧小区")
    hazard(cast.grid_a1, "消防通道堆放杂物", deadline=timezone.now() + datetime.timedelta(days=3))
    draft(cast)
    make_plan(cast.commander, cast.district)
    drill(cast.commander, cast.street_1, timezone.localdate() - datetime.timedelta(days=30))
    bank, _questions = tb.bank_with_questions(cast.commander, cast.district)
    tb.open_quiz(cast.commander, cast.district, bank, title="全民消防安全知识竞答")
    held = tb.session(cast.officer_a, tb.course(cast.officer_a, cast.community_a, title="心肺复苏与AED"),
                      timezone.localdate(), 1)
    tb.attend(cast.officer_a, held, rb.make_member(rb.make_team(cast.community_a), name="李一"))
    training.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=5)
    training.set_coverage_rule(actor=cast.commander, jurisdiction=cast.district, cycle_years=2)
    publicity.create_event(actor=cast.officer_a, jurisdiction=cast.community_a, title="防灾减灾日进社区",
                           held_on=timezone.localdate() - datetime.timedelta(days=5), venue="community",
                           place="社区广场", audience=120)
    now = timezone.now()
    make_shift(cast.street_1, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=11),
               cast.street_officer, label="白班")
    device(cast.community_a)
    load_presets(cast.district)


def _route(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def test_no_page_is_wider_than_a_phone(cast, page_for, live_server) -> None:  # type: ignore[no-untyped-def]
    _one_of_everything(cast)
    page = page_for(cast.commander, mobile=True)
    origin = urlparse(live_server.url).netloc
    queue, visited, too_wide, failed = ["/"], {}, {}, {}
    while queue:
        path = queue.pop(0)
        name = _route(path)
        if name is None or name in visited or NOT_PAGES.search(name):
            continue
        visited[name] = path
        answer = page.goto(path, wait_until="load")
        if answer is None or answer.status >= 400:
            failed[name] = (path, answer.status if answer else None)
            continue
        if "html" not in answer.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("networkidle")  # maps, charts and htmx parts drawn
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[name] = (path, width)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlparse(urljoin(live_server.url, href))
            if url.netloc == origin and _route(url.path) not in visited:
                queue.append(url.path)
    assert not too_wide, f"wider than {PHONE_WIDTH} px: {too_wide}"
    assert not failed, f"links that answer an error: {failed}"
    assert MUST_VISIT <= set(visited), f"not reached from the menu: {sorted(MUST_VISIT - set(visited))}"
