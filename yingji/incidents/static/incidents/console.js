/* The dispatch console: live map of open incidents and teams, a feed of what
 * happens, one-click activation from the map. Everything shown is re-read
 * through the scoped API when the websocket says something changed. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("console-config").textContent);
  var T = window.CONSOLE_TEXT;
  var csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  var map = Yingji.createMap("console-map", {zoom: 13});
  var incidentLayer = null, clusterLayer = null, teamLayer = null, fitted = false;
  var STATUS_COLOUR = {reported: "#b71c1c", dispatched: "#ef6c00", on_scene: "#1565c0", handled: "#1565c0"};
  // The feed's times in the platform's time zone (Beijing time), whatever the browser's clock is set to.
  var clockTime = new Intl.DateTimeFormat(document.documentElement.lang || "zh-CN",
    {timeZone: cfg.timeZone || "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false});

  function activate(id) {
    return fetch(cfg.activate.replace("ID", id), {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: "{}"})
      .then(function (r) { return r.json().then(function (body) { if (!r.ok) { alert(body.detail); } refresh(); }); });
  }
  window.YingjiConsoleActivate = activate;

  function popup(p) {
    // Yingji.html escapes each value: the address is whatever the caller said.
    var box = Yingji.html`<b>${p.type_label}</b><br>${p.address || ""}<br>${p.status_label}<br><a href="${cfg.detail.replace("ID", p.id)}">${T.open}</a>`;
    if (p.status === "reported") {
      var button = Yingji.html`<button class="primary" data-testid="map-activate">${T.activate}</button>`.firstChild;
      button.addEventListener("click", function () { activate(p.id); });
      box.appendChild(document.createTextNode(" "));
      box.appendChild(button);
    }
    return box;
  }

  // Once the map has its view, only the incidents inside it are asked for (the server sends the
  // newest 2,000 of the box; moving the map asks again).
  function incidentsUrl() {
    if (!fitted) { return cfg.incidents; }
    var b = map.getBounds();
    var clamp = function (x, lo, hi) { return Math.min(hi, Math.max(lo, x)).toFixed(5); };
    return cfg.incidents + "?bbox=" + [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(",");
  }
  function loadIncidents() {
    return Yingji.loadGeoJSON(map, incidentsUrl(), {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: 11, color: "#fff", weight: 2, fillColor: STATUS_COLOUR[f.properties.status] || "#555", fillOpacity: 0.9});
      },
      onEachFeature: function (f, layer) { layer.bindPopup(popup(f.properties)); layer.bindTooltip(f.properties.type_label); }
    }).then(function (layer) {
      if (incidentLayer) { map.removeLayer(incidentLayer); }
      if (clusterLayer) { map.removeLayer(clusterLayer); clusterLayer = null; }
      incidentLayer = layer;
      // More incidents in the view than the server sends: it counts them per cell of a grid over the
      // view; each cell is drawn as its count, so none is silently dropped (zoom in to see them).
      var clusters = layer.answer && layer.answer.truncated ? (layer.answer.clusters || []) : [];
      if (clusters.length) {
        clusterLayer = L.layerGroup(clusters.map(function (c) {
          return L.marker(Yingji.toMap(c.lon, c.lat), {interactive: false, icon: L.divIcon({
            className: "incident-cluster", html: String(c.count), iconSize: [34, 34]})});
        })).addTo(map);
      }
      document.getElementById("console-map").setAttribute("data-clusters", String(clusters.length));
      if (!fitted && layer.getLayers().length) { map.fitBounds(layer.getBounds().pad(0.3), {maxZoom: 15}); fitted = true; }
    });
  }
  function loadTeams() {
    return Yingji.loadGeoJSON(map, cfg.teams, {
      pointToLayer: function (f, latlng) {
        var colour = f.properties.status === "available" ? "#2e7d32" : (f.properties.status === "on_call" ? "#8e24aa" : "#9e9e9e");
        return L.circleMarker(latlng, {radius: 4, color: colour, weight: 1, fillColor: colour, fillOpacity: 0.8});
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " · " + f.properties.status_label + (f.properties.station ? " · " + f.properties.station : "")); }
    }).then(function (layer) {
      if (teamLayer) { map.removeLayer(teamLayer); }
      teamLayer = layer;
      if (!fitted && layer.getLayers().length) { map.fitBounds(layer.getBounds(), {maxZoom: 14}); }
    });
  }
  var pending = null;
  function refresh() {
    if (pending) { return; }
    pending = setTimeout(function () {
      pending = null;
      htmx.trigger(document.body, "incidents-changed");
      loadIncidents(); loadTeams();
    }, 150);
  }

  function feed(message) {
    var list = document.getElementById("feed");
    var empty = document.getElementById("feed-empty");
    if (empty) { empty.remove(); }
    var li = document.createElement("li");
    var time = clockTime.format(new Date());
    var label = (T[message.kind] || message.kind) + (message.team_name ? " · " + message.team_name : "");
    var text = message.title ? message.title : (T.incident + " " + (message.number || "#" + message.incident));
    li.innerHTML = "<span class='muted'></span> <b></b> <a></a>";
    li.children[0].textContent = time;
    li.children[1].textContent = label;
    li.children[2].textContent = text;
    li.children[2].href = cfg.detail.replace("ID", message.incident);
    li.setAttribute("data-kind", message.kind);
    list.insertBefore(li, list.firstChild);
  }

  function connect() {
    var dot = document.getElementById("live-dot"), text = document.getElementById("live-text");
    Yingji.live({
      topics: ["incidents"],
      onMessage: function (message) {
        // The officer's own messages (messaging's in-app channel) of other topics are the inbox's business.
        if (message.kind === "message" && message.topic !== "incidents") { return; }
        feed(message); refresh();
      },
      onStatus: function (connected) {
        dot.classList.toggle("on", connected); text.textContent = connected ? T.live : T.offline;
      }
    });
  }

  /* "32:56", "1:05:09": the same clock as the travel_tags `elapsed` filter. */
  function clock(total) {
    var h = Math.floor(total / 3600), m = Math.floor(total % 3600 / 60), s = total % 60;
    var mm = h ? (m < 10 ? "0" + m : m) : m;
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" + s : s);
  }

  /* The "since the call" counters tick every second as m:ss; a 1-3-5 card still open turns amber at
   * three quarters of its target and red past it (clock.DUE_SHARE); an incident turning late re-orders
   * the list (the server puts late ones first) and sounds the alarm. */
  var DUE_SHARE = 0.75;
  function mss(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function cardState(card, elapsed) {
    var target = parseFloat(card.getAttribute("data-target"));
    if (card.getAttribute("data-done")) { return null; }
    return elapsed > target ? "late" : (elapsed >= DUE_SHARE * target ? "due" : "ok");
  }
  function tick() {
    var late = 0, turned = false;
    document.querySelectorAll("#console-incidents .item").forEach(function (item) {
      var received = Date.parse(item.getAttribute("data-received"));
      if (!received) { return; }
      var elapsed = (Date.now() - received) / 1000;
      var t = item.querySelector(".tick");
      if (t) { t.textContent = mss(elapsed); }
      var first = null;
      item.querySelectorAll(".c135").forEach(function (card) {
        var state = cardState(card, elapsed);
        if (state) {
          card.className = "c135 s-" + state;
          if (first === null) { first = state; }
        }
      });
      var was = item.getAttribute("data-state");
      var now = item.querySelector(".status-handled") ? "ok" : (first || "ok");
      if (now !== was) {
        item.setAttribute("data-state", now);
        item.className = "item u-" + now;
        if (now === "late") { turned = true; }
      }
      if (now === "late") { late += 1; }
    });
    var banner = document.querySelector("[data-testid=overdue-banner]");
    if (banner) { banner.hidden = late === 0; }
    if (turned) { refresh(); }
    alarm.update(late);
  }

  /* The alarm: a two-tone beep (Web Audio, nothing to download) when an incident turns late and every
   * 20 s while any is late; the mute button silences it (remembered in this browser). Browsers let a
   * page make sound only after the user has touched it once; the banner shows in any case. */
  var alarm = (function () {
    var button = document.getElementById("alarm-mute");
    var muted = window.localStorage.getItem("yingji.console.muted") === "1";
    var audio = null, last = 0, lateBefore = 0, rings = 0;
    function show() {
      button.setAttribute("aria-pressed", muted ? "true" : "false");
      button.textContent = muted ? T.unmute : T.mute;
      document.body.setAttribute("data-alarm", muted ? "muted" : "armed");
    }
    function beep() {
      rings += 1;
      document.body.setAttribute("data-alarm-rings", String(rings));
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        [0, 0.35, 0.7].forEach(function (at, i) {
          var osc = audio.createOscillator(), gain = audio.createGain();
          osc.frequency.value = i % 2 ? 660 : 880;
          gain.gain.value = 0.25;
          osc.connect(gain); gain.connect(audio.destination);
          osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.3);
        });
      } catch (e) { /* no audio device: the banner and the colours remain */ }
    }
    button.addEventListener("click", function () {
      muted = !muted;
      window.localStorage.setItem("yingji.console.muted", muted ? "1" : "0");
      show();
    });
    show();
    return {update: function (late) {
      var now = Date.now();
      if (late > 0 && !muted && (late > lateBefore || now - last > 20000)) { beep(); last = now; }
      lateBefore = late;
    }};
  })();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", tick);

  /* Community boundaries under everything, for orientation. */
  Yingji.loadGeoJSON(map, cfg.boundaries, {style: {color: "#78909c", weight: 1, fillOpacity: 0.03},
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, {sticky: true}); }})
    .then(function (layer) { layer.bringToBack(); if (!fitted && layer.getLayers().length) { map.fitBounds(layer.getBounds()); fitted = true; } })
    .catch(function () { /* the map works without them */ });
  var moved = null;
  map.on("moveend", function () {
    if (!fitted) { return; }
    clearTimeout(moved);
    moved = setTimeout(loadIncidents, 250);
  });
  loadIncidents(); loadTeams(); connect();
})();
