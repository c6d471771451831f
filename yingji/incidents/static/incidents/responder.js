/* The responder's phone page: small maps with the road path from the team (or
 * the phone's position) to the incident, "N min · X km", a websocket that rings
 * and reloads the list on a call-out, and the service worker of the installed app. */
(function () {
  "use strict";
  var maps = [];
  var text = JSON.parse(document.getElementById("route-text").textContent);
  var here = null;  // [lon, lat] once the responder asked for a route from their position

  /* One figure for the trip: the server's "N 分钟 · X 公里", or "约 N 分钟（估算）" for a straight-line guess. */
  function summary(el, props) {
    var line = props.time_text;
    if (!props.estimated) { line += " · " + text.km.replace("{km}", (props.metres / 1000).toFixed(1)); }
    if (props.origin === "position") { line += " · " + text.from_here; }
    el.textContent = line;
    el.setAttribute("data-estimated", props.estimated ? "1" : "0");
  }

  /* The road path from the team (or the phone) to the incident, from the route endpoint. */
  function drawRoute(map, el, target) {
    var out = document.getElementById(el.getAttribute("data-summary"));
    var url = el.getAttribute("data-route");
    if (here) { url += "?lon=" + here[0].toFixed(6) + "&lat=" + here[1].toFixed(6); }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (feature) {
        if (map._route) { map.removeLayer(map._route); }
        var points = feature.geometry.coordinates.map(function (c) { return Yingji.toMap(c[0], c[1]); });
        var estimated = feature.properties.estimated;
        map._route = L.layerGroup([
          L.polyline(points, {color: "#1565c0", weight: 5, opacity: 0.85, dashArray: estimated ? "6 8" : null}),
          L.circleMarker(points[0], {radius: 7, color: "#2e7d32", fillOpacity: 0.8})
        ]).addTo(map);
        map.fitBounds(L.latLngBounds(points.concat([target])).pad(0.2), {maxZoom: 16});
        summary(out, feature.properties);
        el.setAttribute("data-route-drawn", estimated ? "estimated" : "road");
        el.setAttribute("data-route-points", String(points.length));
      })
      .catch(function () { out.textContent = (out.textContent ? out.textContent + " · " : "") + text.failed; });
  }

  function drawMaps() {
    maps.forEach(function (m) { m.remove(); });
    maps = [];
    document.querySelectorAll(".callout-map").forEach(function (el) {
      var inc = el.getAttribute("data-incident").split(",").map(parseFloat);
      var map = Yingji.createMap(el.id, {center: inc, zoom: 15});
      var target = Yingji.toMap(inc[0], inc[1]);
      L.circleMarker(target, {radius: 10, color: "#b71c1c", fillOpacity: 0.8}).addTo(map);
      drawRoute(map, el, target);
      maps.push(map);
    });
  }

  /* Browsers answer WGS-84, like the database; map.js shifts it when drawing. */
  function fromHere() {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      here = [p.coords.longitude, p.coords.latitude];
      drawMaps();
    }, function () {
      document.querySelectorAll(".route-summary").forEach(function (el) {
        if (el.textContent.indexOf(text.no_position) < 0) { el.textContent += " · " + text.no_position; }
      });
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
  }
  document.body.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest(".route-from-here")) { fromHere(); }
  });
  document.body.addEventListener("htmx:afterSwap", drawMaps);
  drawMaps();

  var worker = document.currentScript && document.currentScript.getAttribute("data-service-worker");
  if (worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(worker).catch(function () { /* http on a LAN address: no offline shell */ });
  }

  function ring() {
    if (navigator.vibrate) { navigator.vibrate([400, 200, 400]); }
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no audio before the first tap on some phones */ }
  }
  function connect() {
    var dot = document.getElementById("live-dot");
    Yingji.live({
      onMessage: function (message) {
        // Messages (messaging's in-app channel) of other topics are the inbox's business.
        if (message.kind === "message" && message.topic !== "incidents") { return; }
        if (message.kind === "message" && message.event === "callout") { ring(); }
        htmx.trigger(document.body, "callouts-changed");
      },
      onStatus: function (connected) { dot.classList.toggle("on", connected); }
    });
  }
  connect();
})();
