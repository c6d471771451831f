/* The command dashboard (指挥一张图) and its wall display (大屏).
 * The map draws each layer from its owning app's scoped GeoJSON endpoint (toggled by the legend);
 * figures, charts and "needs attention today" come from /api/v1/dashboard/data and are refreshed
 * when a live message arrives (Yingji.live: incidents, warnings, IoT) and every minute otherwise.
 * Every stored text is put in as text (textContent, Yingji.html), never as markup. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("dashboard-page").textContent);
  var root = document.querySelector("[data-testid=dashboard]");
  var map = Yingji.createMap("dash-map", {center: page.center || undefined, zoom: 12});
  var renderer = L.canvas({padding: 0.3});
  var GRADE = {red: "#d32f2f", orange: "#f57c00", yellow: "#fbc02d", blue: "#1976d2"};
  var TEAM = {available: "#2e7d32", on_call: "#d32f2f", off_duty: "#9e9e9e"};
  var DEVICE = {normal: "#2e7d32", alarm: "#d32f2f", fault: "#f57c00", silent: "#9e9e9e", disabled: "#616161"};
  var WARN = {blue: "#1976d2", yellow: "#fbc02d", orange: "#f57c00", red: "#d32f2f"};
  var FIXED = {stations: "#6a1b9a", incidents: "#c62828", overdue: "#ad1457", warehouses: "#d84315",
               shelters: "#00897b", helipads: "#283593", water: "#0277bd"};

  function dot(colour, radius) {
    return function (f, latlng) {
      return L.circleMarker(latlng, {renderer: renderer, radius: radius || 6, weight: 1, color: "#fff",
                                     fillColor: colour(f.properties), fillOpacity: 0.95});
    };
  }
  function tip(f) {
    var p = f.properties, parts = [p.name || p.title || p.type_label || p.code || p.reference || ""];
    ["status_label", "state_label", "kind_label", "level_label", "address", "station"].forEach(function (k) {
      if (p[k]) { parts.push(p[k]); }
    });
    if (p.grade) { parts.push(page.grades[p.grade] || p.grade); }
    var box = document.createElement("span");
    box.textContent = parts.join(" · ");
    return box;
  }
  var STYLE = {
    stations: {pointToLayer: dot(function (p) { return p.active === false ? "#9e9e9e" : FIXED.stations; }, 7)},
    teams: {pointToLayer: dot(function (p) { return TEAM[p.status] || "#455a64"; }, 5)},
    incidents: {pointToLayer: dot(function () { return FIXED.incidents; }, 8)},
    warnings: {style: function (f) { var c = WARN[f.properties.level] || "#f57c00"; return {color: c, weight: 2, fillColor: c, fillOpacity: 0.18}; },
               pointToLayer: function (f, latlng) {
                 var c = WARN[f.properties.level] || "#f57c00";
                 return L.circle(latlng, {radius: f.properties.radius_m || 500, color: c, weight: 2, fillOpacity: 0.18});
               }},
    risk: {pointToLayer: dot(function (p) { return GRADE[p.grade] || "#607d8b"; }, 4),
           style: function (f) { var c = GRADE[f.properties.grade] || "#607d8b"; return {color: c, weight: 1, fillColor: c, fillOpacity: 0.3}; }},
    overdue: {pointToLayer: dot(function () { return FIXED.overdue; }, 6)},
    warehouses: {pointToLayer: dot(function () { return FIXED.warehouses; }, 6)},
    shelters: {pointToLayer: dot(function () { return FIXED.shelters; }, 6)},
    helipads: {pointToLayer: dot(function () { return FIXED.helipads; }, 6)},
    water: {pointToLayer: dot(function () { return FIXED.water; }, 5)},
    devices: {pointToLayer: dot(function (p) { return DEVICE[p.state] || "#607d8b"; }, 4)}
  };
  var layers = {}, loaded = {};
  var counts = {};
  function show(key, on) {
    var def = page.layers.filter(function (l) { return l.key === key; })[0];
    if (!def) { return; }
    if (!on) { if (layers[key]) { map.removeLayer(layers[key]); } return; }
    if (layers[key]) { layers[key].addTo(map); return; }
    if (loaded[key]) { return; }
    loaded[key] = true;
    var opts = Object.assign({renderer: renderer, onEachFeature: function (f, layer) { layer.bindTooltip(tip(f)); }},
                             STYLE[key] || {});
    Yingji.loadGeoJSON(map, def.url, opts).then(function (layer) {
      layers[key] = layer;
      counts[key] = layer.getLayers().length;
      root.setAttribute("data-layer-" + key, String(counts[key]));
    }).catch(function () { loaded[key] = false; root.setAttribute("data-layer-" + key, "error"); });
  }
  function reload(key) {
    if (layers[key]) { map.removeLayer(layers[key]); delete layers[key]; }
    loaded[key] = false;
    var box = document.querySelector("[data-layer=" + key + "]");
    if (box && box.checked) { show(key, true); }
  }
  document.querySelectorAll("[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () { show(box.getAttribute("data-layer"), box.checked); });
    if (box.checked) { show(box.getAttribute("data-layer"), true); }
  });

  /* --------------------------------------------------------------- figures and attention */
  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) { el.className = cls; }
    return el;
  }
  function number(n) { return (n === null || n === undefined) ? "–" : Number(n).toLocaleString(); }
  function renderFigures(data) {
    var table = document.querySelector("#dash-figures table");
    if (!table) { return; }
    var body = document.createElement("tbody");
    data.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", row.code);
      var name = document.createElement("td"), a = document.createElement("a");
      a.href = row.url; a.textContent = row.name; name.appendChild(a); tr.appendChild(name);
      row.cells.forEach(function (c) { var td = cell("td", number(c.value), "num"); td.setAttribute("data-key", c.key); tr.appendChild(td); });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    var foot = table.tFoot && table.tFoot.rows[0];
    if (foot) {
      data.total_cells.forEach(function (c, i) { if (foot.cells[i + 1]) { foot.cells[i + 1].textContent = number(c.value); } });
    }
  }
  function renderAttention(data) {
    var list = document.createElement("ul");
    list.className = "dash-attention";
    list.setAttribute("data-testid", "dash-attention");
    data.attention.forEach(function (item) {
      var li = document.createElement("li"), a = document.createElement("a");
      li.className = item.severity; li.setAttribute("data-key", item.key);
      a.href = item.url; a.appendChild(cell("b", String(item.count))); a.appendChild(document.createTextNode(" " + item.label));
      li.appendChild(a); list.appendChild(li);
    });
    if (!data.attention.length) { list.appendChild(cell("li", page.text.nothing, "ok muted")); }
    var box = document.getElementById("dash-attention");
    box.replaceChildren(list);
  }

  /* --------------------------------------------------------------- charts (ECharts, served by the app) */
  var big = page.wall ? 18 : 12;
  var incidentsChart = echarts.init(document.getElementById("chart-incidents"));
  var hazardsChart = echarts.init(document.getElementById("chart-hazards"));
  var extraChart = null;
  function axisText() { return {fontSize: big}; }
  function renderCharts(data) {
    var c = data.charts, t = page.text;
    incidentsChart.setOption({
      tooltip: {trigger: "axis"}, legend: {textStyle: axisText()}, grid: {left: 50, right: 50, bottom: 30, top: 50},
      xAxis: {type: "category", data: c.months, axisLabel: axisText()},
      yAxis: [{type: "value", name: t.incidents, axisLabel: axisText()}, {type: "value", max: 100, min: 0, name: "%", axisLabel: axisText()}],
      series: [
        {name: t.incidents, type: "bar", data: c.incidents.count, itemStyle: {color: "#90a4ae"}},
        {name: t.dispatch, type: "line", yAxisIndex: 1, data: c.incidents.dispatch_met_pct, connectNulls: true},
        {name: t.arrival, type: "line", yAxisIndex: 1, data: c.incidents.arrival_met_pct, connectNulls: true},
        {name: t.handling, type: "line", yAxisIndex: 1, data: c.incidents.handling_met_pct, connectNulls: true}
      ]
    }, true);
    hazardsChart.setOption({
      tooltip: {trigger: "axis"}, legend: {textStyle: axisText()}, grid: {left: 50, right: 20, bottom: 30, top: 50},
      xAxis: {type: "category", data: c.months, axisLabel: axisText()}, yAxis: {type: "value", axisLabel: axisText()},
      series: [{name: t.found, type: "bar", data: c.hazards.found, itemStyle: {color: "#ef6c00"}},
               {name: t.closed, type: "bar", data: c.hazards.closed, itemStyle: {color: "#2e7d32"}}]
    }, true);
    /* Drills and training (apps that add `dashboard_charts`): each entry {label, target, done} per area. */
    if (c.extra && c.extra.length) {
      document.getElementById("dash-extra-empty").hidden = true;
      extraChart = extraChart || echarts.init(document.getElementById("chart-extra"));
      extraChart.setOption({
        tooltip: {trigger: "axis"}, legend: {textStyle: axisText()}, grid: {left: 50, right: 20, bottom: 30, top: 50},
        xAxis: {type: "category", data: c.extra.map(function (e) { return e.label; }), axisLabel: axisText()},
        yAxis: {type: "value", axisLabel: axisText()},
        series: [{name: t.target, type: "bar", data: c.extra.map(function (e) { return e.target; }), itemStyle: {color: "#b0bec5"}},
                 {name: t.done, type: "bar", data: c.extra.map(function (e) { return e.done; }), itemStyle: {color: "#1565c0"}}]
      }, true);
    }
    root.setAttribute("data-charts", String(c.months.length));
  }
  window.addEventListener("resize", function () { incidentsChart.resize(); hazardsChart.resize(); if (extraChart) { extraChart.resize(); } });

  /* --------------------------------------------------------------- refresh */
  var updated = document.querySelector("[data-testid=dash-updated]");
  var notice = document.getElementById("wall-notice");
  function say(text) { if (notice) { notice.textContent = text; notice.hidden = !text; } }
  var refreshes = 0;
  function refresh() {
    return fetch(page.data, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 401 || r.status === 403 || r.redirected) { say(page.text.signed_out); throw new Error("signed out"); }
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (data) {
        renderFigures(data); renderAttention(data); renderCharts(data);
        say("");
        refreshes += 1;
        root.setAttribute("data-refreshes", String(refreshes));
        if (updated) { updated.textContent = page.text.updated + " " + new Date().toLocaleTimeString(); }
      })
      .catch(function (e) { if (String(e.message) !== "signed out") { say(page.text.offline); } });
  }
  refresh();
  var pending = null;
  function soon(keys) {
    keys.forEach(reload);
    clearTimeout(pending);
    pending = setTimeout(refresh, 1500);  /* a burst of messages: one refresh */
  }
  if (Yingji.live) {
    Yingji.live({topics: ["incidents", "warnings", "iot"], onMessage: function (m) {
      var keys = m.topic === "incidents" ? ["incidents", "teams"] : m.topic === "warnings" ? ["warnings"] : ["devices"];
      soon(keys);
    }});
  }
  setInterval(function () { soon(["overdue", "warehouses"]); }, 60000);

  /* --------------------------------------------------------------- the wall */
  if (page.wall) {
    var clock = document.getElementById("wall-clock");
    var tick = function () { clock.textContent = new Date().toLocaleString(); };
    tick(); setInterval(tick, 1000);
    var full = document.getElementById("wall-full");
    full.addEventListener("click", function () {
      if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
    });
  }
})();
