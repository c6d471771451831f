/* The role home's map block (dashboard/templates/dashboard/blocks/map.html): the areas below the user's
 * place, the outlines of the level above with their names. Deferred: runs once Leaflet and map.js are in. */
(function () {
  "use strict";
  var el = document.getElementById("home-map");
  if (!el) { return; }
  var center = el.dataset.center ? el.dataset.center.split(",").map(Number) : null;
  var map = Yingji.createMap("home-map", {center: center || undefined, zoom: 13});
  Yingji.loadGeoJSON(map, el.dataset.geojson, {
    style: {color: "#1565c0", weight: 1, fillOpacity: 0.06},
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
  }).then(function (layer) {
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {padding: [10, 10]}); }
    el.dataset.loaded = String(layer.getLayers().length);
  }).catch(function () { el.dataset.loaded = "error"; });
  Yingji.loadGeoJSON(map, el.dataset.streets, {
    style: {color: "#b71c1c", weight: 2.5, fill: false},
    onEachFeature: function (f) {
      var c = f.properties.centroid;
      if (c && c[0] !== null) {
        var label = document.createElement("span");
        label.textContent = f.properties.name;  // a stored name is text, never markup
        L.marker(Yingji.toMap(c[0], c[1]), {icon: L.divIcon({className: "street-label", html: label, iconSize: null})}).addTo(map);
      }
    }
  });
})();
