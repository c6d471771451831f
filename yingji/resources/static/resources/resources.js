/* Map layers of the resources registry on top of map.js (window.Yingji).
 * Stations are circles, green when they meet the staffing standard and red
 * when they fall short; facilities are small dots coloured by kind. The
 * map element gets data-loaded="<number of features>" once a layer is drawn
 * (the browser tests wait for it). */
(function () {
  "use strict";
  var FACILITY_COLOURS = {shelter: "#1565c0", helipad: "#6a1b9a", water_intake: "#00838f", hydrant: "#ef6c00", aed: "#ad1457"};

  function markLoaded(elementId, layer) {
    var el = document.getElementById(elementId);
    if (!el) { return; }
    var count = parseInt(el.dataset.loaded || "0", 10) + layer.getLayers().length;
    el.dataset.loaded = String(count);
  }

  function stationLayer(map, url, elementId) {
    return Yingji.loadGeoJSON(map, url, {
      pointToLayer: function (feature, latlng) {
        var ok = feature.properties.compliant !== false;
        return L.circleMarker(latlng, {radius: 7, weight: 2, color: "#fff", fillColor: ok ? "#2e7d32" : "#c62828", fillOpacity: 0.95});
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var box = Yingji.html`<b><a href="${p.url}">${p.name}</a></b><br>${p.kind_label} · ${p.jurisdiction}`;
        if (p.problems && p.problems.length) { box.appendChild(Yingji.html`<br><span style="color:#c62828">${p.problems.join("; ")}</span>`); }
        layer.bindPopup(box);
        layer.bindTooltip(p.name);
      }
    }).then(function (layer) {
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {padding: [20, 20], maxZoom: 16, animate: false}); }
      markLoaded(elementId, layer);
      return layer;
    });
  }

  /* Facilities, one layer group per kind so the map page can switch kinds on and off.
   * Resolves to {kind: L.LayerGroup}; `visible(kind)` says which start on the map. */
  function facilityLayers(map, url, elementId, visible) {
    var groups = {};
    return Yingji.loadGeoJSON(map, url, {
      pointToLayer: function (feature, latlng) {
        var colour = FACILITY_COLOURS[feature.properties.kind] || "#555";
        var active = feature.properties.status === "in_service";
        return L.circleMarker(latlng, {radius: 4, weight: 1, color: colour, fillColor: active ? colour : "#fff", fillOpacity: 0.85});
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var box = Yingji.html`<b><a href="${p.url}">${p.name}</a></b><br>${p.kind_label} · ${p.status_label}`;
        if (p.capacity) { box.appendChild(Yingji.html`<br>${p.capacity}`); }
        layer.bindPopup(box);
      }
    }).then(function (all) {
      map.removeLayer(all);
      all.eachLayer(function (marker) {
        var kind = marker.feature.properties.kind;
        groups[kind] = groups[kind] || L.layerGroup();
        groups[kind].addLayer(marker);
      });
      Object.keys(groups).forEach(function (kind) { if (!visible || visible(kind)) { groups[kind].addTo(map); } });
      markLoaded(elementId, all);
      return groups;
    });
  }

  /* Community boundaries, drawn faintly under the markers so the map reads without base tiles. */
  function boundaryLayer(map, url) {
    return Yingji.loadGeoJSON(map, url, {
      interactive: false,
      style: function () { return {color: "#78909c", weight: 1, fillColor: "#cfd8dc", fillOpacity: 0.15}; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name, {permanent: true, direction: "center", className: "area-label"});
      }
    }).then(function (layer) {
      layer.bringToBack();
      // Names only when few areas are in view: a district of 92 communities would be a blur of labels.
      var container = map.getContainer();
      var toggle = function () { container.classList.toggle("hide-area-labels", layer.getLayers().length > 12 && map.getZoom() < 15); };
      map.on("zoomend", toggle);
      toggle();
      return layer;
    }, function () { return null; });
  }

  function pointMap(elementId, point, name, boundaryUrl) {
    var map = Yingji.createMap(elementId, {center: point, zoom: 16});
    L.circleMarker(Yingji.toMap(point[0], point[1]), {radius: 8, weight: 2, color: "#fff", fillColor: "#b71c1c", fillOpacity: 0.95})
      .bindTooltip(name, {permanent: true, direction: "top", offset: [0, -8]}).addTo(map);
    if (boundaryUrl) { boundaryLayer(map, boundaryUrl); }
    return map;
  }

  /* Map coordinates back to WGS-84 (inverse of Yingji.toMap; a few fixed-point steps undo GCJ-02). */
  function fromMap(latlng) {
    var lon = latlng.lng, lat = latlng.lat;
    if (Yingji.config.crs !== "gcj02") { return [lon, lat]; }
    var x = lon, y = lat;
    for (var i = 0; i < 5; i++) {
      var p = Yingji.wgs84ToGcj02(x, y);
      x -= p[0] - lon; y -= p[1] - lat;
    }
    return [x, y];
  }

  /* A click on the map fills the longitude and latitude inputs of a form. */
  function pickPoint(elementId, lonInput, latInput, boundaryUrl) {
    var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
    var has = !isNaN(lon) && !isNaN(lat);
    var map = Yingji.createMap(elementId, {center: has ? [lon, lat] : undefined, zoom: has ? 16 : 13});
    var marker = null;
    function place(point) {
      var at = Yingji.toMap(point[0], point[1]);
      if (marker) { marker.setLatLng(at); } else {
        marker = L.circleMarker(at, {radius: 8, weight: 2, color: "#fff", fillColor: "#b71c1c", fillOpacity: 0.95}).addTo(map);
      }
    }
    if (has) { place([lon, lat]); }
    map.on("click", function (event) {
      var point = fromMap(event.latlng);
      lonInput.value = point[0].toFixed(6);
      latInput.value = point[1].toFixed(6);
      place(point);
    });
    if (boundaryUrl) {
      boundaryLayer(map, boundaryUrl).then(function (layer) {
        if (!has && layer && layer.getLayers().length) { map.fitBounds(layer.getBounds(), {animate: false}); }
      });
    }
    return map;
  }

  window.YingjiResources = {pickPoint: pickPoint, stationLayer: stationLayer, facilityLayers: facilityLayers, boundaryLayer: boundaryLayer,
    pointMap: pointMap};
})();
