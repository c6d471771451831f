/* The four-colour risk map: risk points (and areas) coloured by grade, and a heat layer of communities
 * weighted by their points. Data from the scoped GeoJSON endpoints of /api/v1/hazards/. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("riskmap-page").textContent);
  var map = Yingji.createMap("riskmap", {center: page.center, zoom: 12});
  var renderer = L.canvas({padding: 0.3});  /* tens of thousands of points: one canvas, not SVG nodes */
  var element = document.getElementById("riskmap");

  function label(p) {
    var box = document.createElement("span");  /* text nodes: a stored name never becomes markup */
    box.textContent = p.name + " · " + (page.grades[p.grade] || p.grade) + " · " + (page.categories[p.category] || "");
    return box;
  }

  var pointsLayer = null;
  Yingji.loadGeoJSON(map, page.points, {
    renderer: renderer,
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {renderer: renderer, radius: 5, weight: 1, color: "#fff",
                                     fillColor: page.colours[f.properties.grade], fillOpacity: 0.95});
    },
    style: function (f) {
      var c = page.colours[f.properties.grade];
      return {color: c, weight: 1.5, fillColor: c, fillOpacity: 0.35};
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(label(f.properties)); }
  }).then(function (layer) {
    pointsLayer = layer;
    element.dataset.points = layer.getLayers().length;
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {maxZoom: 15}); }
  });

  var heatLayer = null;
  function heatColour(h) {
    return h > 0.75 ? "#b71c1c" : h > 0.5 ? "#e64a19" : h > 0.25 ? "#ffa000" : h > 0 ? "#ffe082" : "#eceff1";
  }
  document.getElementById("show-heat").addEventListener("change", function (e) {
    if (!e.target.checked) { if (heatLayer) { map.removeLayer(heatLayer); } return; }
    if (heatLayer) { heatLayer.addTo(map); heatLayer.bringToBack(); return; }
    Yingji.loadGeoJSON(map, page.heat, {
      style: function (f) { return {color: "#fff", weight: 1, fillColor: heatColour(f.properties.heat), fillOpacity: 0.55}; },
      onEachFeature: function (f, layer) {
        var box = document.createElement("span");
        box.textContent = f.properties.name + " · " + page.text.score + " " + f.properties.score + " · " +
          f.properties.total + " " + page.text.points;
        layer.bindTooltip(box);
      }
    }).then(function (layer) { heatLayer = layer; layer.bringToBack(); element.dataset.heat = layer.getLayers().length; });
  });
  document.getElementById("show-points").addEventListener("change", function (e) {
    if (!pointsLayer) { return; }
    if (e.target.checked) { pointsLayer.addTo(map); } else { map.removeLayer(pointsLayer); }
  });
})();
