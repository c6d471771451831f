/* The grid worker's home map (hazards/_home_map.html, issue 13): the grid's outline, its risk points
 * by grade, its open hazards and the open incidents the worker sees, each from the owning app's scoped
 * GeoJSON endpoint. A handful of points: drawn as SVG (one element per marker, each with its layer's
 * class), not on a canvas. Names go into tooltips as text (map.js). Loaded with defer: Leaflet and
 * map.js come at the end of the page. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("grid-home-map-page").textContent);
  var element = document.getElementById("grid-home-map");
  var map = Yingji.createMap("grid-home-map", {center: page.center || undefined, zoom: 15});
  var svg = L.svg({padding: 0.3});

  function dot(className, colour, radius) {
    return function (f, latlng) {
      return L.circleMarker(latlng, {renderer: svg, className: className, radius: radius, weight: 2, color: "#fff",
                                     fillColor: colour(f.properties), fillOpacity: 0.95});
    };
  }
  function tip(parts) {
    return function (f, layer) { layer.bindTooltip(parts(f.properties).filter(Boolean).join(" · ")); };
  }
  function count(key, layer) {
    var n = layer ? layer.getLayers().length : "—";
    element.setAttribute("data-" + key, String(n));
    var box = document.querySelector("[data-testid=grid-map-legend] [data-count=" + key + "]");
    if (box) { box.textContent = String(n); }
  }

  var outline = Yingji.loadGeoJSON(map, page.outline, {
    renderer: svg, interactive: false,
    style: {className: "grid-outline", color: "#1565c0", weight: 3, fillColor: "#1565c0", fillOpacity: 0.06}
  }).then(function (layer) {
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {padding: [12, 12]}); }
    count("outline", layer);
  }).catch(function () { count("outline", null); });

  var layers = [
    ["risk", page.risk, {
      renderer: svg,
      pointToLayer: dot("marker-risk", function (p) { return page.colours[p.grade] || "#607d8b"; }, 7),
      style: function (f) {  /* areas; a point keeps its marker's own style and class */
        if (f.geometry.type === "Point") { return {}; }
        var c = page.colours[f.properties.grade] || "#607d8b";
        return {className: "area-risk", color: c, weight: 1.5, fillColor: c, fillOpacity: 0.3};
      },
      onEachFeature: tip(function (p) { return [p.name, page.grades[p.grade]]; })}],
    ["hazards", page.hazards, {
      renderer: svg,
      pointToLayer: dot("marker-hazard", function () { return "#ef6c00"; }, 7),
      onEachFeature: tip(function (p) { return [p.title, p.status_label, p.reference]; })}],
    ["incidents", page.incidents, {
      renderer: svg,
      pointToLayer: dot("marker-incident", function () { return "#c62828"; }, 9),
      onEachFeature: tip(function (p) { return [p.type_label, p.status_label, p.address]; })}]
  ];
  outline.then(function () {
    layers.forEach(function (def) {
      Yingji.loadGeoJSON(map, def[1], def[2])
        .then(function (layer) { count(def[0], layer); })
        .catch(function () { count(def[0], null); });
    });
  });
})();
