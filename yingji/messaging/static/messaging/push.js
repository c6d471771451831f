/* Notifications on this phone (Web Push): on a tap of the button, ask the browser's
 * permission, subscribe with the server's VAPID key and register the subscription
 * (POST /api/v1/messaging/push/subscriptions). Used by the inbox and the responder page;
 * the page's service worker (data-service-worker) imports messaging/push-sw.js to show them. */
(function () {
  "use strict";
  var script = document.currentScript;
  var config = JSON.parse(document.getElementById("yingji-push").textContent);
  var button = document.getElementById("push-enable");
  var state = document.getElementById("push-state");
  var worker = script && script.getAttribute("data-service-worker");

  function say(text, on) {
    if (state) { state.textContent = text; state.setAttribute("data-on", on ? "1" : "0"); }
  }
  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function save(subscription) {
    return fetch(config.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(subscription.toJSON())
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      say(config.text.on, true);
      if (button) { button.hidden = true; }
    });
  }
  if (!worker || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window) || !config.key) {
    say(config.text.unsupported, false);
    return;
  }
  navigator.serviceWorker.register(worker).then(function (registration) {
    registration.pushManager.getSubscription().then(function (existing) {
      if (existing && Notification.permission === "granted") { save(existing).catch(function () {}); return; }
      if (Notification.permission === "denied") { say(config.text.denied, false); return; }
      if (button) { button.hidden = false; }
    });
    if (!button) { return; }
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { say(config.text.denied, false); return null; }
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key(config.key)})
          .then(save);
      }).catch(function () { say(config.text.failed, false); });
    });
  }).catch(function () { say(config.text.unsupported, false); });
})();
