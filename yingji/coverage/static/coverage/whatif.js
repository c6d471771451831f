/* The what-if replay page: the recommended sites of the newest siting study, and stations drawn by
 * clicking the map (kept in the form's "add" field as lon,lat;lon,lat in WGS-84). */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("whatif-page").textContent);
  var map = Yingji.createMap("whatif-map", {center: page.center, zoom: 12});
  var field = document.getElementById("added-sites");
  var drawn = L.layerGroup().addTo(map);
  var points = page.added.slice();
  function draw() {
    drawn.clearLayers();
    points.forEach(function (p) {
      L.circleMarker(Yingji.toMap(p[0], p[1]), {radius: 8, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1})
        .bindTooltip(page.text.added).addTo(drawn);
    });
    field.value = points.map(function (p) { return p[0].toFixed(6) + "," + p[1].toFixed(6); }).join(";");
    document.getElementById("whatif-map").setAttribute("data-drawn", String(points.length));
  }
  page.recommended.forEach(function (s) {
    L.circleMarker(Yingji.toMap(s.lon, s.lat), {radius: 7, color: "#fff", weight: 2, fillColor: "#2e7d32", fillOpacity: 0.9})
      .bindTooltip(page.text.recommended + " · " + (s.name || "")).addTo(map);
  });
  map.on("click", function (e) {
    points.push(Yingji.fromMap(e.latlng));
    draw();
    var radio = document.querySelector("input[name=layout][value=drawn]");
    if (radio) { radio.checked = true; }
  });
  document.getElementById("clear-added").addEventListener("click", function (e) {
    e.preventDefault(); points = []; draw();
  });
  draw();
})();
