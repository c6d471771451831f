"""No stored text runs as script: every named text field of every ledger holds markup, every map page opens.

The demo district is generated, then every free-text field whose name says it
holds a name, an address, a description or a note (stations, teams, risk points,
incidents, warehouses, facilities, jurisdictions, hazards, IoT devices, warning
areas, …: the models are found, not listed) is set to markup that would run script
and leave a marked element behind if any page put it into HTML unescaped.

Every page that draws a Leaflet map is opened (MAP_PAGES; a test below finds the
maps in the sources, so a new map page must be added here), as the district
administrator, a responder, a grid worker and an anonymous resident. On each, the layer toggles
are switched on, markers are hovered and clicked with the mouse, and then every
tooltip and popup of every map is opened. Nothing may leave the marked element,
run the handler, raise a dialog, or trip the Content-Security-Policy (which would
mean unescaped markup reached the page and only the policy stopped it).

The test fails when core/static/yingji/map.js stops drawing a string tooltip or
popup as text (most maps pass stored names to bindTooltip as strings).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

PAYLOAD = '"\'><img src=x class=yj-xss onerror="window.__xss=1"><script>window.__xss=2</script>'
SHORT = "<b class=yj-xss>x</b>"
TEXT_WORDS = ("name", "title", "address", "description", "note", "remark", "summary", "location", "place",
              "contact", "label", "content", "reason", "comment", "caller", "body", "text", "detail",
              "desc", "building", "unit", "organis", "headline", "instruction", "audience", "measures", "findings",
              "rectification", "evaluation", "purpose", "issuer", "trainer", "responsible", "enterprise",
              "supplies_on_site", "equipment_sent", "hours", "spec", "vendor", "model", "explanation", "restriction")
TEXT_NAMES = ("what", "who", "how")  # a plan card's steps

# Leaflet is caught as it loads, so the test can reach every map a page draws; a policy violation is kept.
HOOK = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });
Object.defineProperty(window, "L", {configurable: true,
  get: function () { return window.__L; },
  set: function (value) { window.__L = value; window.__maps = window.__maps || [];
    if (value && value.Map) { value.Map.addInitHook(function () { window.__maps.push(this); }); } }});
"""

# Layer toggles (checkboxes without a name: the dashboard's layers, heat, isochrones) are switched on,
# so that layers drawn only on demand are drawn too. Filter checkboxes (with a name) are left alone.
SWITCH_ON_LAYERS = """
() => {
  let switched = 0;
  document.querySelectorAll("input[type=checkbox]:not([name])").forEach(function (box) {
    if (!box.checked && !box.disabled) { box.click(); switched++; }
  });
  return switched;
}
"""

# Where the mouse finds markers with a hover tooltip or a popup: up to three per map, well inside the
# map's box and the window.
TARGETS = """
() => {
  const points = [];
  (window.__maps || []).forEach(function (map) {
    const box = map.getContainer().getBoundingClientRect();
    let taken = 0;
    map.eachLayer(function (layer) {
      const tooltip = layer.getTooltip && layer.getTooltip(), popup = layer.getPopup && layer.getPopup();
      if (taken >= 3 || !layer.getLatLng || !(tooltip || popup) || (tooltip && tooltip.options.permanent)) { return; }
      const p = map.latLngToContainerPoint(layer.getLatLng());
      const x = box.left + p.x, y = box.top + p.y;
      if (p.x < 40 || p.y < 40 || p.x > box.width - 40 || p.y > box.height - 40 || y < 5 || y > window.innerHeight - 5) { return; }
      points.push({x: x, y: y, tooltip: !!tooltip, popup: !!popup});
      taken++;
    });
  });
  return points;
}
"""
OPEN_TOOLTIPS = "() => document.querySelectorAll('.leaflet-tooltip').length"
OPEN_POPUPS = "() => document.querySelectorAll('.leaflet-popup').length"
CLOSE_POPUPS = "() => (window.__maps || []).forEach(function (map) { map.closePopup(); })"  # its links lie over markers
MARKED = "() => ({found: document.querySelectorAll('.yj-xss').length, xss: window.__xss || 0, violations: window.__violations})"

OPEN_EVERY_OVERLAY = """
() => {
  let found = 0, opened = 0;
  (window.__maps || []).forEach(function (map) {
    map.eachLayer(function (layer) {
      if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened++; }
      found += document.querySelectorAll(".yj-xss").length;
      if (layer.getPopup && layer.getPopup()) { layer.openPopup(); opened++; found += document.querySelectorAll(".yj-xss").length; layer.closePopup(); }
    });
  });
  var where = Array.from(document.querySelectorAll(".yj-xss")).slice(0, 2).map(function (e) { return e.parentNode.outerHTML.slice(0, 200); });
  return {where: where, found: found + document.querySelectorAll(".yj-xss").length, opened: opened, xss: window.__xss || 0,
          violations: window.__violations, maps: (window.__maps || []).length};
}
"""

# Every source that draws a map (Yingji.createMap, or the pick/point helpers built on it) and the page
# that opens it; test_every_map_in_the_sources_is_opened_by_the_browser_test finds them in the code.
# Every source that draws a map (Yingji.createMap, or the pick/point helpers built on it), and the page
# that opens it with who opens it: "commander" (the district administrator), "responder" (a member of a
# team with a call-out), "grid" (a grid worker, on a phone) or "public" (no login).
# test_every_map_in_the_sources_is_opened_by_the_browser_test finds them in the code.
MAP_SOURCES = {
    "dashboard/static/dashboard/home.js": ("/", "commander"),
    "hazards/static/hazards/homemap.js": ("/", "grid"),
    "resources/templates/resources/map.html": ("/resources/map/", "commander"),
    "resources/templates/resources/list.html": ("/resources/stations/", "commander"),
    "resources/templates/resources/detail_base.html": ("/resources/stations/{station}/", "commander"),
    "resources/templates/resources/form.html": ("/resources/stations/{station}/edit/", "commander"),
    "resources/static/resources/resources.js": ("/resources/facilities/{facility}/", "commander"),
    "jurisdictions/templates/jurisdictions/detail.html": ("/jurisdictions/{community}/", "commander"),
    "incidents/static/incidents/console.js": ("/incidents/console/", "commander"),
    "incidents/templates/incidents/detail.html": ("/incidents/{incident}/", "commander"),
    "incidents/templates/incidents/form.html": ("/incidents/new/", "commander"),
    "incidents/static/incidents/pick.js": ("/incidents/new/", "commander"),
    "incidents/templates/incidents/public_form.html": ("/incidents/report/", "public"),
    "incidents/static/incidents/responder.js": ("/incidents/me/", "responder"),
    "coverage/static/coverage/coverage.js": ("/coverage/", "commander"),
    "coverage/static/coverage/whatif.js": ("/coverage/whatif/", "commander"),
    "dashboard/static/dashboard/dashboard.js": ("/dashboard/", "commander"),
    "hazards/static/hazards/riskmap.js": ("/hazards/", "commander"),
    "warnings/static/warnings/compose.js": ("/warnings/new/", "commander"),
    "warnings/static/warnings/areas.js": ("/warnings/{warning}/", "commander"),
    "iot/templates/iot/devices.html": ("/iot/", "commander"),
    "supplies/templates/supplies/search.html": ("/supplies/?q={material}&quantity=1&near={community}", "commander"),
    "supplies/templates/supplies/warehouse_detail.html": ("/supplies/warehouses/{warehouse}/", "commander"),
}
MAP_PAGES = list(dict.fromkeys(MAP_SOURCES.values())) + [
    ("/dashboard/wall/", "commander"), ("/warnings/{warning}/edit/", "commander"),
    ("/resources/facilities/{shelter}/", "commander")]
# Pages without a map that show the same names in tables and lists.
OTHER_PAGES = [("/resources/teams/", "commander"), ("/resources/teams/{team}/", "commander"), ("/incidents/", "commander"), ("/duty/", "commander"),
               ("/hazards/list/", "commander"), ("/hazards/points/", "commander"), ("/iot/alarms/", "commander"),
               ("/warnings/", "commander"), ("/hazards/grid/", "grid")]
DRAWS_A_MAP = re.compile(r"Yingji\.createMap\(|\bpickPoint\(\s*\"|\bpointMap\(\s*\"")


def text_fields() -> list[tuple[type[models.Model], str, int | None]]:
    found = []
    for app in settings.YINGJI_APPS:
        config = apps.get_app_config(app.rsplit(".", 1)[-1])
        for model in config.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField) or field.choices or field.unique:
                    continue
                if "phone" in field.name or "code" in field.name or "url" in field.name or "email" in field.name:
                    continue
                if field.name in TEXT_NAMES or any(word in field.name for word in TEXT_WORDS):
                    found.append((model, field.name, field.max_length))
    return found


def poison() -> int:
    """Markup in every such field; the row's id after it keeps names unique where they must be."""
    changed = 0
    for model, field, max_length in text_fields():
        value = PAYLOAD if max_length is None or max_length >= len(PAYLOAD) + 12 else SHORT
        if max_length is not None and max_length < len(SHORT) + 12:
            continue
        if model._meta.label == "supplies.StockMovement":
            continue  # append-only by design (its queryset refuses update); its notes are shown escaped
        marked = Concat(Value(value), Cast("pk", models.CharField()), output_field=models.CharField())
        changed += model._default_manager.update(**{field: marked})
    return changed




def test_every_map_in_the_sources_is_opened_by_the_browser_test():
    root = Path(settings.BASE_DIR) / "yingji"
    sources = {str(p.relative_to(root)) for p in [*root.rglob("templates/**/*.html"), *root.rglob("static/**/*.js")]
               if "vendor" not in p.parts and p.name != "map.js" and DRAWS_A_MAP.search(p.read_text(encoding="utf-8"))}
    assert len(sources) >= 18
    assert sources == set(MAP_SOURCES), "add the page that opens each new map to MAP_SOURCES"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_stored_text_runs_script_on_any_map_page_or_the_console(page_for, screenshot):
    from yingji.accounts.models import Membership, User
    from yingji.accounts.roles import Role
    from yingji.core.demo import run_demo
    from yingji.incidents.models import Dispatch, Incident
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.resources.models import Facility, Member, Station, Team
    from yingji.supplies.models import Material, Warehouse
    from yingji.warnings.models import EarlyWarning

    run_demo("small", 2026, io.StringIO())
    fields = {(m._meta.label, f) for m, f, _ in text_fields()}
    assert fields >= {  # what the maps draw
        ("resources.Station", "name"), ("resources.Team", "name"), ("resources.Facility", "name"),
        ("hazards.RiskPoint", "name"), ("hazards.Hazard", "title"), ("hazards.Hazard", "address"),
        ("incidents.Incident", "address"), ("supplies.Warehouse", "name"), ("jurisdictions.Jurisdiction", "name"),
        ("coverage.CandidateSite", "name"), ("iot.Device", "building"), ("warnings.WarningArea", "area_desc")}
    assert poison() > 1000
    users = {"commander": Membership.objects.filter(role=Role.DISTRICT_ADMIN).select_related("user").first().user,
             "grid": Membership.objects.filter(role=Role.GRID_WORKER).select_related("user").first().user}
    callout = Dispatch.objects.filter(status__in=("called", "acknowledged", "departed", "on_scene")).first()
    users["responder"] = User.objects.create_user("xss-responder")  # a member of a team with a call-out
    Member.objects.filter(pk=callout.team.members.first().pk).update(user=users["responder"])
    station = Station.objects.first()
    values = {"community": Jurisdiction.objects.filter(level=Level.COMMUNITY).first().code, "station": station.pk,
              "incident": Incident.objects.filter(status="reported").first().pk,  # its map shows the nearest teams
              "facility": Facility.objects.first().pk, "shelter": Facility.objects.filter(kind="shelter").first().pk,
              "team": Team.objects.filter(station=station).first().pk,
              "warning": EarlyWarning.objects.filter(infos__areas__isnull=False).first().pk,
              "warehouse": Warehouse.objects.first().code, "material": Material.objects.first().code}
    pages = {who: page_for(users.get(who), csp=True, mobile=who in ("responder", "public", "grid"))
             for who in ("commander", "responder", "public", "grid")}
    dialogs: list[str] = []
    for page in pages.values():
        page.set_default_timeout(60_000)  # a shared machine: dozens of map pages with thousands of markers
        page.add_init_script(HOOK)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    failures: list[tuple[str, str, dict]] = []
    opened = hovered = clicked = 0
    without_map = []
    for template, who in [*MAP_PAGES, *OTHER_PAGES]:
        url, page = template.format(**values), pages[who]
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        if page.evaluate(SWITCH_ON_LAYERS):
            page.wait_for_load_state("networkidle")
        for point in page.evaluate(TARGETS):  # the mouse, as a user: hover shows a tooltip, a click a popup
            page.mouse.move(1, 1)
            before = page.evaluate(OPEN_TOOLTIPS)
            page.mouse.move(point["x"], point["y"])
            if point["tooltip"] and _eventually(page, OPEN_TOOLTIPS, before):
                hovered += 1
            if point["popup"]:
                page.mouse.click(point["x"], point["y"])
                if _eventually(page, OPEN_POPUPS, 0):
                    clicked += 1
            marked = page.evaluate(MARKED)
            page.evaluate(CLOSE_POPUPS)
            if marked["found"] or marked["xss"] or marked["violations"]:
                failures.append((url, "mouse", marked))
                break
        outcome = page.evaluate(OPEN_EVERY_OVERLAY)
        if outcome["found"] or outcome["xss"] or outcome["violations"]:
            failures.append((url, "every overlay", outcome))
        if (template, who) in MAP_PAGES and not outcome["maps"]:
            without_map.append(url)
        opened += outcome["opened"]
        if url == "/incidents/console/":
            screenshot(page, "xss-console")
    assert failures == [], "\n".join(f"{url} ({how}): {outcome}" for url, how, outcome in failures)
    assert dialogs == []
    assert without_map == [], "these pages drew no map"
    assert opened > 1000  # tooltips and popups were really opened, not empty maps
    assert hovered >= 10 and clicked >= 3, (hovered, clicked)  # some by the mouse, as a user does


def _eventually(page, count: str, above: int, tries: int = 20) -> bool:  # type: ignore[no-untyped-def]
    """True once the script `count` answers more than `above` (Leaflet throttles the mouse on canvas
    maps), False if it never does."""
    for _ in range(tries):
        if page.evaluate(count) > above:
            return True
        page.wait_for_timeout(50)
    return False
