/* The compose page: draw the target area (polygon or circle) with Leaflet.draw, keep the drawn
 * shapes as WGS-84 in the hidden "areas" field ([{kind, ring | circle}]), suggest a headline and
 * the hazard's standard advice while the composer has not written their own. */
(function () {
  "use strict";
  var text = JSON.parse(document.getElementById("compose-text").textContent);
  var el = document.getElementById("compose-map");
  var field = document.getElementById("areas");
  var summary = document.getElementById("areas-summary");
  var centre = el.dataset.centre ? el.dataset.centre.split(",").map(Number) : undefined;
  var map = Yingji.createMap("compose-map", {center: centre, zoom: 13});
  Yingji.loadGeoJSON(map, el.dataset.boundaries, {style: {color: "#607d8b", weight: 1, fillOpacity: 0.03},
    onEachFeature: function (f, layer) { if (f.properties && f.properties.name) { layer.bindTooltip(f.properties.name); } }})
    .catch(function () { /* boundaries are context only */ });

  var t = text.tools, local = L.drawLocal;
  local.draw.toolbar.buttons.polygon = t.polygon; local.draw.toolbar.buttons.circle = t.circle;
  local.draw.toolbar.actions.title = t.cancel; local.draw.toolbar.actions.text = t.cancel;
  local.draw.toolbar.finish.title = t.finish; local.draw.toolbar.finish.text = t.finish;
  local.draw.toolbar.undo.title = t.undo; local.draw.toolbar.undo.text = t.undo;
  local.draw.handlers.polygon.tooltip = {start: t.start, cont: t.cont, end: t.end};
  local.draw.handlers.circle.tooltip.start = t.circle_start; local.draw.handlers.circle.radius = t.radius;
  local.draw.handlers.simpleshape.tooltip.end = "";
  local.edit.toolbar.buttons.edit = t.edit; local.edit.toolbar.buttons.remove = t.remove;
  local.edit.toolbar.actions.save.text = t.save; local.edit.toolbar.actions.cancel.text = t.cancel;
  local.edit.toolbar.actions.clearAll.text = t.clear;

  var drawn = new L.FeatureGroup().addTo(map);
  var style = {color: "#d8141c", weight: 2, fillOpacity: 0.15};
  map.addControl(new L.Control.Draw({
    position: "topleft",
    draw: {polygon: {allowIntersection: false, showArea: false, shapeOptions: style}, circle: {shapeOptions: style},
           polyline: false, rectangle: false, marker: false, circlemarker: false},
    edit: {featureGroup: drawn}
  }));

  function serialise() {
    var areas = [], polygons = 0, circles = 0;
    drawn.eachLayer(function (layer) {
      if (layer instanceof L.Circle) {
        var c = Yingji.fromMap(layer.getLatLng());
        areas.push({kind: "circle", circle: [c[0], c[1], Math.round(layer.getRadius()) / 1000], desc: layer.options.desc || ""});
        circles++;
      } else if (layer instanceof L.Polygon) {
        var ring = layer.getLatLngs()[0].map(function (p) { return Yingji.fromMap(p); });
        ring.push(ring[0]);
        areas.push({kind: "polygon", ring: ring, desc: layer.options.desc || ""});
        polygons++;
      }
    });
    field.value = JSON.stringify(areas);
    summary.textContent = areas.length ? text.drawn.replace("%(polygons)s", polygons).replace("%(circles)s", circles) : text.none;
  }

  // Shapes already saved (editing a draft, or the form coming back with an error).
  var bounds = null;
  JSON.parse(field.value || "[]").forEach(function (area) {
    var layer = null;
    if (area.kind === "polygon" && area.ring) {
      layer = L.polygon(area.ring.slice(0, -1).map(function (p) { return Yingji.toMap(p[0], p[1]); }), style);
    } else if (area.kind === "circle" && area.circle) {
      layer = L.circle(Yingji.toMap(area.circle[0], area.circle[1]), Object.assign({radius: area.circle[2] * 1000}, style));
    }
    if (layer) { layer.options.desc = area.desc || ""; drawn.addLayer(layer); bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds(); }
  });
  if (bounds) { map.fitBounds(bounds.pad(0.3)); }
  serialise();
  map.on(L.Draw.Event.CREATED, function (e) { drawn.addLayer(e.layer); serialise(); });
  map.on(L.Draw.Event.EDITED, serialise);
  map.on(L.Draw.Event.DELETED, serialise);

  // A suggested headline and the hazard's advice, until the composer writes their own.
  var form = document.getElementById("compose-form");
  var headline = document.getElementById("headline"), instruction = document.getElementById("instruction");
  var hazard = document.getElementById("hazard"), place = document.getElementById("jurisdiction");
  var suggested = headline.value === "" ? "" : null, advised = instruction.value === "" ? "" : null;
  function suggest() {
    var level = form.querySelector("input[name=level]:checked");
    var name = place ? place.options[place.selectedIndex].dataset.name : document.getElementById("jurisdiction-name").value;
    var option = hazard.options[hazard.selectedIndex];
    if (suggested !== null && headline.value === suggested && level) {
      suggested = text.headline.replace("%(place)s", name).replace("%(level)s", text.levels[level.value]).replace("%(hazard)s", option.text);
      headline.value = suggested;
    }
    if (advised !== null && instruction.value === advised) { advised = option.dataset.advice; instruction.value = advised; }
  }
  form.addEventListener("change", function (e) { if (e.target.name === "level" || e.target === hazard || e.target === place) { suggest(); } });
  suggest();
})();
