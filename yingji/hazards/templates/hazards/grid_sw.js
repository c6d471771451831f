{% load static %}/* Service worker of the grid worker's page (scope /hazards/grid/): the page shell offline, and the
 * outbox (outbox.js, IndexedDB "yingji-hazards") of queued hazard reports and patrol check-ins, sent
 * again by background sync. Each item carries its idempotency key, so one sent twice (page and worker)
 * is made once. */
"use strict";
var CACHE = "yingji-grid-{{ version }}";
var SHELL = [
  "{% url 'hazards:grid' %}",
  "{% static 'yingji/yingji.css' %}",
  "{% static 'yingji/map.js' %}",
  "{% static 'yingji/icon.svg' %}",
  "{% static 'hazards/hazards.css' %}",
  "{% static 'hazards/outbox.js' %}",
  "{% static 'hazards/grid.js' %}",
  "{% static 'hazards/patrol.js' %}",
  "{% static 'vendor/leaflet/leaflet.css' %}",
  "{% static 'vendor/leaflet/leaflet.js' %}",
  "{% static 'vendor/htmx/htmx.min.js' %}"
];
var API = "{% url 'api:hazards_report' %}";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("yingji-grid-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreVary: true}).then(function (hit) {
      return hit || (request.mode === "navigate" ? caches.match("{% url 'hazards:grid' %}") : undefined) || Response.error();
    });
  }));
});

function openDb() {
  return new Promise(function (resolve, reject) {
    var r = indexedDB.open("yingji-hazards", 1);
    r.onupgradeneeded = function () { r.result.createObjectStore("outbox", {keyPath: "key"}); };
    r.onsuccess = function () { resolve(r.result); };
    r.onerror = function () { reject(r.error); };
  });
}

function sendAll() {
  return openDb().then(function (db) {
    return new Promise(function (resolve) {
      var get = db.transaction("outbox", "readonly").objectStore("outbox").getAll();
      get.onsuccess = function () { resolve({db: db, items: get.result}); };
    });
  }).then(function (state) {
    return state.items.reduce(function (chain, item) {
      return chain.then(function () {
        var body = new FormData();
        Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
        body.append("idempotency_key", item.key);
        (item.photos || (item.photo ? [item.photo] : [])).forEach(function (p, i) { body.append("photos", p, "photo" + i + ".jpg"); });
        return fetch(item.api || API, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": item.csrf}})
          .then(function (response) {
            if (response.status < 500 && response.status !== 408 && response.status !== 429) {
              state.db.transaction("outbox", "readwrite").objectStore("outbox").delete(item.key);
            } else { throw new Error("retry later"); }
          });
      });
    }, Promise.resolve());
  }).then(function () {
    return self.clients.matchAll().then(function (all) { all.forEach(function (c) { c.postMessage("outbox-sent"); }); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "hazards-outbox") { event.waitUntil(sendAll()); }
});
