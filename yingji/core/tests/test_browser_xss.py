"""No stored text runs as script: every named text field of every ledger holds markup, every map page opens.

The demo district is generated, then every free-text field whose name says it
holds a name, an address or a note (stations, teams, risk points, incidents,
warehouses, jurisdictions, …: the models are found, not listed) is set to
markup that would run script and leave a marked element behind if any page
put it into HTML unescaped. The district administrator opens the map pages,
the console and the detail pages; on each, every tooltip and popup of every
Leaflet map is opened. Nothing may leave the marked element, run the
handler, or trip the Content-Security-Policy (which would mean unescaped
markup reached the page and only the policy stopped it).
"""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = '"\'><img src=x class=yj-xss onerror="window.__xss=1"><script>window.__xss=2</script>'
SHORT = "<b class=yj-xss>x</b>"
TEXT_WORDS = ("name", "title", "address", "description", "note", "remark", "summary", "location", "place",
              "contact", "label", "content", "reason", "comment", "caller", "body", "text", "detail")

# Leaflet is caught as it loads, so the test can reach every map a page draws.
HOOK = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });
Object.defineProperty(window, "L", {configurable: true,
  get: function () { return window.__L; },
  set: function (value) { window.__L = value; window.__maps = window.__maps || [];
    if (value && value.Map) { value.Map.addInitHook(function () { window.__maps.push(this); }); } }});
"""

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
  var where = Array.from(document.querySelectorAll(".yj-xss")).slice(0, 3).map(function (e) { return e.parentNode.outerHTML.slice(0, 300); });
  return {where: where, found: found + document.querySelectorAll(".yj-xss").length, opened: opened, xss: window.__xss || 0,
          violations: window.__violations, maps: (window.__maps || []).length};
}
"""


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
                if any(word in field.name for word in TEXT_WORDS):
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


def test_no_stored_text_runs_script_on_any_map_page_or_the_console(page_for, screenshot):
    from yingji.accounts.models import Membership
    from yingji.accounts.roles import Role
    from yingji.core.demo import run_demo
    from yingji.incidents.models import Incident
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.resources.models import Station
    from yingji.supplies.models import Warehouse

    run_demo("small", 2026, io.StringIO())
    fields = text_fields()
    assert {(m._meta.label, f) for m, f, _ in fields} >= {
        ("resources.Station", "name"), ("resources.Team", "name"), ("hazards.RiskPoint", "name"),
        ("incidents.Incident", "address"), ("supplies.Warehouse", "name"), ("jurisdictions.Jurisdiction", "name")}
    assert poison() > 1000
    commander = Membership.objects.filter(role=Role.DISTRICT_ADMIN).select_related("user").first().user
    community = Jurisdiction.objects.filter(level=Level.COMMUNITY).first()
    pages = ["/", "/resources/map/", "/coverage/", "/incidents/console/", "/supplies/", "/hazards/",
             "/warnings/new/", f"/jurisdictions/{community.code}/",
             f"/resources/stations/{Station.objects.first().pk}/", f"/incidents/{Incident.objects.first().pk}/",
             f"/supplies/warehouses/{Warehouse.objects.first().code}/",
             "/resources/stations/", "/resources/teams/", "/incidents/", "/duty/",
             "/dashboard/", "/coverage/whatif/", "/incidents/new/"]
    page = page_for(commander, csp=True)
    page.add_init_script(HOOK)
    opened = 0
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        outcome = page.evaluate(OPEN_EVERY_OVERLAY)
        assert outcome["found"] == 0 and outcome["xss"] == 0, (url, outcome)
        assert outcome["violations"] == [], (url, outcome["violations"])
        opened += outcome["opened"]
        if url == "/resources/map/":
            screenshot(page, "xss-resources-map")
    assert opened > 100  # tooltips and popups were really opened, not an empty map
