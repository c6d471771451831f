/* Yingji map helpers on Leaflet. The database keeps WGS-84; when the configured
 * base map is in GCJ-02 (Chinese commercial tiles) every coordinate is shifted
 * here, at the edge, just before drawing. Used by every map page. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("yingji-basemap").textContent);

  var PI = Math.PI, A = 6378245.0, EE = 0.00669342162296594323;

  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    return r;
  }
  function tLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    return r;
  }
  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
    var radLat = lat / 180 * PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [lon + dLon, lat + dLat];
  }
  /* [lon, lat] in WGS-84 -> Leaflet LatLng on the configured base map. */
  function toMap(lon, lat) {
    if (config.crs === "gcj02") { var p = wgs84ToGcj02(lon, lat); return L.latLng(p[1], p[0]); }
    return L.latLng(lat, lon);
  }

  /* Leaflet LatLng on the base map -> [lon, lat] in WGS-84 (points picked or drawn by a user). */
  function fromMap(latlng) {
    if (config.crs !== "gcj02") { return [latlng.lng, latlng.lat]; }
    var lon = latlng.lng, lat = latlng.lat, wlon = lon, wlat = lat;
    for (var i = 0; i < 10; i++) {  // inverse by fixed-point iteration, as core/geo.py
      var g = wgs84ToGcj02(wlon, wlat);
      wlon -= g[0] - lon; wlat -= g[1] - lat;
    }
    return [wlon, wlat];
  }

  /* Without a tile server (an intranet without internet), the streets are the imported road network,
   * served by the platform as GeoJSON and drawn under everything; fetched once per page. */
  var roads = null;
  function addRoads(map) {
    if (!config.roads) { return; }
    roads = roads || fetch(config.roads, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; });
    if (!map.getPane("roads")) { map.createPane("roads").style.zIndex = 250; }
    roads.then(function (data) {
      if (!data) { return; }
      L.geoJSON(data, {pane: "roads", interactive: false, style: {color: "#90a4ae", weight: 1.2, opacity: 0.9},
                       coordsToLatLng: function (c) { return toMap(c[0], c[1]); }}).addTo(map);
      map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL)");
      document.body.setAttribute("data-roads", String(data.features.length));
    }).catch(function () { /* the map works without them */ });
  }

  function addBaseLayer(map) {
    var kind = config.kind || "none";
    if (kind === "none") { addRoads(map); return; }
    if (kind === "tianditu") {
      var key = config.tianditu_key;
      var sub = ["0", "1", "2", "3", "4", "5", "6", "7"];
      L.tileLayer("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key, {subdomains: sub, maxZoom: 18, attribution: "天地图"}).addTo(map);
      L.tileLayer("https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key, {subdomains: sub, maxZoom: 18}).addTo(map);
      return;
    }
    L.tileLayer(kind, {maxZoom: 19, attribution: config.attribution || ""}).addTo(map);
  }

  function createMap(elementId, options) {
    options = options || {};
    var map = L.map(elementId, {preferCanvas: true, zoomSnap: 0.25});
    addBaseLayer(map);
    var c = options.center || [114.05, 22.54];
    map.setView(toMap(c[0], c[1]), options.zoom || 13);
    return map;
  }

  /* Fetch a GeoJSON endpoint of ours (session cookie) and draw it. */
  function loadGeoJSON(map, url, layerOptions) {
    layerOptions = Object.assign({coordsToLatLng: function (c) { return toMap(c[0], c[1]); }}, layerOptions || {});
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { var layer = L.geoJSON(data, layerOptions).addTo(map); layer.answer = data; return layer; });
  }

  /* Tooltips and popups show text. Leaflet puts string content into innerHTML, and the strings pages
   * pass are names people typed (stations, teams, risk points, addresses): most maps call
   * bindTooltip(f.properties.name). The one gate is where Leaflet draws an overlay's content
   * (DivOverlay._updateContent, whichever way the content came: bindTooltip/bindPopup, setContent,
   * the `content` option or a function): a string or a number is drawn as text. Markup is built with
   * Yingji.html`...${value}...` (page.js), which escapes every value and hands Leaflet an element,
   * drawn as it is. core/tests/test_browser_xss.py fails without this gate. */
  var updateContent = L.DivOverlay.prototype._updateContent;
  L.DivOverlay.prototype._updateContent = function () {
    var given = this._content;
    if (!given) { return updateContent.call(this); }
    var content = typeof given === "function" ? given(this._source || this) : given;
    this._content = content == null || typeof content === "string" || typeof content === "number" ? window.Yingji.text(content) : content;
    try { return updateContent.call(this); } finally { this._content = given; }
  };
  // The same for labels drawn as marker icons (L.divIcon({html: name})).
  var createIcon = L.DivIcon.prototype.createIcon;
  L.DivIcon.prototype.createIcon = function (oldIcon) {
    var html = this.options.html;
    if (typeof html !== "string" && typeof html !== "number") { return createIcon.call(this, oldIcon); }
    this.options.html = false;
    try { var div = createIcon.call(this, oldIcon); div.textContent = String(html); return div; }
    finally { this.options.html = html; }
  };

  var Yingji = window.Yingji = window.Yingji || {};
  Yingji.config = config; Yingji.toMap = toMap; Yingji.fromMap = fromMap; Yingji.wgs84ToGcj02 = wgs84ToGcj02;
  Yingji.createMap = createMap; Yingji.loadGeoJSON = loadGeoJSON;
})();
