/* The responder's phone page: small maps with the way from the team to the
 * incident, and a websocket that rings and reloads the list on a call-out. */
(function () {
  "use strict";
  var maps = [];
  function drawMaps() {
    maps.forEach(function (m) { m.remove(); });
    maps = [];
    document.querySelectorAll(".callout-map").forEach(function (el) {
      var inc = el.getAttribute("data-incident").split(",").map(parseFloat);
      var map = Yingji.createMap(el.id, {center: inc, zoom: 15});
      var target = Yingji.toMap(inc[0], inc[1]);
      L.circleMarker(target, {radius: 10, color: "#b71c1c", fillOpacity: 0.8}).addTo(map);
      var team = el.getAttribute("data-team");
      if (team) {
        var t = team.split(",").map(parseFloat), from = Yingji.toMap(t[0], t[1]);
        L.circleMarker(from, {radius: 7, color: "#2e7d32", fillOpacity: 0.8}).addTo(map);
        L.polyline([from, target], {color: "#1565c0", weight: 3, dashArray: "6 6"}).addTo(map);
        map.fitBounds(L.latLngBounds([from, target]).pad(0.3), {maxZoom: 16});
      }
      maps.push(map);
    });
  }
  document.body.addEventListener("htmx:afterSwap", drawMaps);
  drawMaps();

  function ring() {
    if (navigator.vibrate) { navigator.vibrate([400, 200, 400]); }
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no audio before the first tap on some phones */ }
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/incidents/me/");
    var dot = document.getElementById("live-dot");
    socket.onopen = function () { dot.classList.add("on"); document.body.setAttribute("data-live", "1"); };
    socket.onmessage = function (e) {
      var message = JSON.parse(e.data);
      if (message.kind === "hello") { return; }
      if (message.kind === "notification") { ring(); }
      htmx.trigger(document.body, "callouts-changed");
    };
    socket.onclose = function () { dot.classList.remove("on"); document.body.removeAttribute("data-live"); setTimeout(connect, 2000); };
  }
  connect();
})();
