/* Picking an incident's point on the map (intake form and public form).
 * A click fills the hidden lon/lat inputs (WGS-84); typing an address shows
 * where the gazetteer would put it. */
window.YingjiIncidents = window.YingjiIncidents || {};
(function (ns) {
  "use strict";
  ns.pickPoint = function (elementId, placesUrl, pickedLabel) {
    var map = Yingji.createMap(elementId, {zoom: 13});
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var picked = document.getElementById("picked");
    var marker = null;
    function show(x, y) {
      if (marker) { map.removeLayer(marker); }
      marker = L.circleMarker(Yingji.toMap(x, y), {radius: 9, color: "#b71c1c", fillOpacity: 0.6}).addTo(map);
    }
    /* The map shows GCJ-02 when the base map needs it; invert approximately for the stored WGS-84. */
    function toWgs(latlng) {
      if (Yingji.config.crs !== "gcj02") { return [latlng.lng, latlng.lat]; }
      var g = Yingji.wgs84ToGcj02(latlng.lng, latlng.lat);
      return [2 * latlng.lng - g[0], 2 * latlng.lat - g[1]];
    }
    map.on("click", function (e) {
      var p = toWgs(e.latlng);
      lon.value = p[0].toFixed(6); lat.value = p[1].toFixed(6);
      show(p[0], p[1]);
      if (picked) { picked.textContent = pickedLabel + ": " + lon.value + ", " + lat.value; }
    });
    if (lon && lon.value && lat.value) { show(parseFloat(lon.value), parseFloat(lat.value)); }
    var address = document.getElementById("id_address");
    if (address && placesUrl) {
      address.addEventListener("change", function () {
        if (lon.value) { return; }
        fetch(placesUrl + "?q=" + encodeURIComponent(address.value), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (places) {
            if (places.length) { show(places[0].lon, places[0].lat); map.setView(Yingji.toMap(places[0].lon, places[0].lat), 15); }
          });
      });
    }
    return map;
  };
})(window.YingjiIncidents);
