{% load static %}/* Service worker of the responder page (scope /incidents/me/): an offline shell.
 * Network first for every same-origin GET, the last good answer when the
 * network is gone, so a responder in a basement still sees the call-out,
 * its map scripts and the last route. Nothing is written while offline:
 * the step buttons post to the server as usual. */
"use strict";
// Phone notifications (Web Push) of every message to this user: shown and opened by messaging's handler.
importScripts("{% static 'messaging/push-sw.js' %}");
var CACHE = "yingji-responder-{{ version }}";
var SHELL = [
  "{% url 'incidents:responder' %}",
  "{% static 'yingji/yingji.css' %}",
  "{% static 'yingji/map.js' %}",
  "{% static 'yingji/live.js' %}",
  "{% static 'yingji/icon.svg' %}",
  "{% static 'incidents/incidents.css' %}",
  "{% static 'incidents/responder.js' %}",
  "{% static 'vendor/leaflet/leaflet.css' %}",
  "{% static 'vendor/leaflet/leaflet.js' %}",
  "{% static 'vendor/htmx/htmx.min.js' %}"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // One missing file must not stop the worker from installing.
    return Promise.all(SHELL.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("yingji-responder-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // Not the htmx partials (same URL as the page) nor a redirect to the login page.
    if (response.ok && response.type === "basic" && !response.redirected && !request.headers.get("HX-Request")) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreVary: true}).then(function (hit) {
      return hit || (request.mode === "navigate" ? caches.match("{% url 'incidents:responder' %}") : undefined)
        || Response.error();
    });
  }));
});
