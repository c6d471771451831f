/* The coverage page: H3 cells coloured by minutes, stations, risk points,
 * isochrones on demand, what-if sites clicked on the map, and the per-area
 * bar chart. Data comes from the scoped GeoJSON endpoints of /api/v1/coverage/. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("coverage-page").textContent);
  var text = page.text;
  var map = Yingji.createMap("coverage-map", {center: page.center, zoom: 13});
  var GRADE = {red: "#d32f2f", orange: "#f57c00", yellow: "#fbc02d", blue: "#1976d2"};

  /* Map clicks arrive in the base map's datum; the server keeps WGS-84. */
  function toWgs84(latlng) {
    var lon = latlng.lng, lat = latlng.lat;
    if (Yingji.config.crs !== "gcj02") { return [lon, lat]; }
    var w = [lon, lat];
    for (var i = 0; i < 10; i++) {
      var g = Yingji.wgs84ToGcj02(w[0], w[1]);
      w = [w[0] - (g[0] - lon), w[1] - (g[1] - lat)];
    }
    return w;
  }
  function fmt(n) { return Math.round(n).toLocaleString(); }

  var cellsLoaded = page.layers.cells_geojson ? Yingji.loadGeoJSON(map, page.layers.cells_geojson, {
    style: function (f) {
      var p = f.properties;
      return {color: p.off_network ? "#607d8b" : "#ffffff", weight: p.off_network ? 1.2 : 0.4,
              dashArray: p.off_network ? "3 3" : null, fillColor: page.bands[p.band],
              fillOpacity: p.population >= 1 ? 0.6 : 0.15};  /* faint: nobody lives there (water, parks) */
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      var time = p.minutes === null ? text.beyond : p.time_text;
      layer.bindTooltip(fmt(p.population) + " " + text.residents + " · " + time);
    }
  }) : Promise.resolve(null);
  cellsLoaded.then(function (layer) {
    document.getElementById("coverage-map").dataset.cells = layer ? layer.getLayers().length : 0;
    if (layer && layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
  });

  Yingji.loadGeoJSON(map, page.layers.stations_geojson, {
    pointToLayer: function (f, latlng) {
      var added = f.properties.added;
      return L.circleMarker(latlng, {radius: added ? 7 : 5, color: "#fff", weight: 1.5,
                                     fillColor: added ? "#6a1b9a" : "#0d47a1", fillOpacity: 1});
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name);
      layer.on("click", function (e) { L.DomEvent.stopPropagation(e); showIsochrone(f); });
    }
  });

  /* One station's isochrone, drawn by the engine, on a click on its marker. */
  var single = null;
  function showIsochrone(f) {
    var p = f.properties, c = f.geometry.coordinates;
    var url = page.isochrone + "?minutes=" + page.minutes + (p.added ? "&lon=" + c[0] + "&lat=" + c[1] : "&station=" + encodeURIComponent(p.code));
    Yingji.loadGeoJSON(map, url, {interactive: false, style: {color: "#6a1b9a", weight: 2.5, fill: false}}).then(function (layer) {
      if (single) { map.removeLayer(single); }
      single = layer;
    });
  }

  var riskLayer = null;
  Yingji.loadGeoJSON(map, page.layers.risk_points_geojson, {
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      return L.circleMarker(latlng, {radius: 5, color: p.covered ? "#263238" : "#000", weight: p.covered ? 1 : 2.5,
                                     dashArray: p.covered ? null : "2 2", fillColor: GRADE[p.grade] || "#999", fillOpacity: 0.9});
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(p.name + " · " + (p.covered ? text.covered : text.uncovered) +
        (p.minutes === null ? "" : " · " + p.time_text));
    }
  }).then(function (layer) { riskLayer = layer; });
  document.getElementById("show-risk").addEventListener("change", function (e) {
    if (!riskLayer) { return; }
    if (e.target.checked) { riskLayer.addTo(map); } else { map.removeLayer(riskLayer); }
  });

  var isoLayer = null;
  document.getElementById("show-isochrones").addEventListener("change", function (e) {
    if (!e.target.checked) { if (isoLayer) { map.removeLayer(isoLayer); } return; }
    if (isoLayer) { isoLayer.addTo(map); return; }
    fetch(page.layers.isochrones_geojson, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        isoLayer = L.geoJSON(data, {
          coordsToLatLng: function (c) { return Yingji.toMap(c[0], c[1]); },
          interactive: false,
          style: function (f) { return {color: f.properties.added ? "#6a1b9a" : "#0d47a1", weight: 1.5, opacity: 0.8, fill: false}; }
        }).addTo(map);
        var p = data.properties || {};
        if (p.total > p.shown) {
          document.getElementById("isochrone-note").textContent =
            text.isochrones.replace("%(shown)s", p.shown).replace("%(total)s", p.total);
        }
      });
  });

  page.recommended.forEach(function (s, i) {
    L.marker(Yingji.toMap(s.lon, s.lat), {
      icon: L.divIcon({className: "recommended-site", html: String(i + 1), iconSize: [22, 22]})
    }).bindTooltip(text.recommended + " " + (i + 1) + ": " + s.name + " · +" + fmt(s.gain) + " " + text.gain).addTo(map);
  });

  /* What-if: a click adds a site to the form; Compute recalculates. */
  var input = document.getElementById("added-sites");
  page.added.forEach(function (p) {
    L.circleMarker(Yingji.toMap(p[0], p[1]), {radius: 8, color: "#6a1b9a", weight: 3, fillOpacity: 0.3}).addTo(map);
  });
  map.on("click", function (e) {
    var p = toWgs84(e.latlng);
    input.value = (input.value ? input.value + ";" : "") + p[0].toFixed(6) + "," + p[1].toFixed(6);
    L.circleMarker(e.latlng, {radius: 8, color: "#6a1b9a", weight: 3, fillOpacity: 0.3, dashArray: "4 3"})
      .bindTooltip(text.added).addTo(map);
  });
  var clear = document.getElementById("clear-added");
  if (clear) {
    clear.addEventListener("click", function (e) {
      e.preventDefault(); input.value = ""; document.getElementById("coverage-form").submit();
    });
  }

  var data = page.chart;
  /* Tilt the labels when they would not fit side by side (about 13 px a Chinese character). */
  var width = document.getElementById("coverage-chart").clientWidth - 105;
  var tilt = data.names.reduce(function (n, name) { return n + name.length * 13 + 10; }, 0) > width;
  var chart = echarts.init(document.getElementById("coverage-chart"));
  chart.setOption({
    color: ["#1a9850", "#d73027", "#37474f"],
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {top: 0},
    grid: {left: 60, right: 45, bottom: 80, top: 56},
    xAxis: {type: "category", data: data.names, axisLabel: {rotate: tilt ? 40 : 0, interval: 0}},
    yAxis: [{type: "value"}, {type: "value", name: "%", min: 0, max: 100, splitLine: {show: false}}],
    series: [
      {name: data.labels.covered, type: "bar", stack: "people", data: data.covered},
      {name: data.labels.uncovered, type: "bar", stack: "people", data: data.uncovered},
      {name: data.labels.share, type: "line", yAxisIndex: 1, data: data.share, symbolSize: 6}
    ]
  });
  document.getElementById("coverage-chart").dataset.bars = data.names.length;
  window.addEventListener("resize", function () { chart.resize(); });
})();
