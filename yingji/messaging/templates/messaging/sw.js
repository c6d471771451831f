/* Yingji inbox service worker {{ version }}: shows Web Push notifications (scope /messaging/). */
{% load static %}importScripts("{% static 'messaging/push-sw.js' %}");
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
