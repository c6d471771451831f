/* Web Push in a service worker: show what the server pushed, open it when tapped.
 * Imported by every service worker of the site that may receive notifications
 * (the inbox's, /messaging/sw.js, and the responder page's, /incidents/me/sw.js).
 * The payload is messaging/channels.py's push_data(): title, body, url, tag, icon, ask_ack. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {title: event.data ? event.data.text() : ""}; }
  event.waitUntil(self.registration.showNotification(data.title || "应急", {
    body: data.body || "",
    tag: data.tag,
    icon: data.icon,
    data: {url: data.url || "/messaging/inbox/"},
    requireInteraction: !!data.ask_ack,
    vibrate: [400, 200, 400]
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/messaging/inbox/";
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url.indexOf(url) >= 0 && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
