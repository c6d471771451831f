/* Draws a warning's areas (polygons, and circles sent as points with their radius) on #areas-map. */
(function () {
  "use strict";
  var el = document.getElementById("areas-map");
  if (!el) { return; }
  var map = Yingji.createMap("areas-map", {zoom: 12});
  var colour = el.dataset.colour || "#d8141c";
  Yingji.loadGeoJSON(map, el.dataset.areas, {
    style: {color: colour, weight: 2, fillOpacity: 0.15},
    pointToLayer: function (f, latlng) { return L.circle(latlng, {radius: f.properties.radius_m, color: colour, weight: 2, fillOpacity: 0.15}); }
  }).then(function (layer) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2)); }
    el.dataset.loaded = String(layer.getLayers().length);  // browser tests wait for it
  }).catch(function () {});
})();
