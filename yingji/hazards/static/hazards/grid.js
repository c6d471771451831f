/* The grid worker's phone page: report a hazard in three taps (photo, what, send), on a flaky network.
 *
 * A report is first written to the outbox (outbox.js, IndexedDB) with a fresh idempotency key, then
 * sent; if the network fails it stays there and is sent again when the phone is back online, when the
 * page opens, or by the service worker's background sync. The server answers a resend with the same key
 * with the hazard it already made (200), so a retry never makes a duplicate. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("grid-page").textContent);
  var text = page.text;
  var photoInput = document.getElementById("report-photo");
  var sheet = document.getElementById("report-sheet");
  var sendButton = document.getElementById("report-send");
  var statusLine = document.getElementById("report-status");
  var outboxLine = document.getElementById("outbox-status");
  var positionLine = document.getElementById("report-position");
  var position = null, photo = null, title = "";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  var outbox = window.YingjiOutbox;   /* outbox.js: the queue shared with the patrol check-ins */
  outbox.api.defaultApi = page.api;
  outbox.watch(function (items) {
    var reports = items.filter(function (i) { return (i.kind || "report") === "report"; });
    outboxLine.textContent = reports.length ? fmt(text.waiting, {n: reports.length}) : "";
    document.body.dataset.outbox = items.length;
  });
  outbox.on("report", function (item, outcome, answer) {
    if (outcome === "sent") {
      statusLine.textContent = fmt(text.sent, {ref: answer.reference});
      statusLine.dataset.reference = answer.reference;
    } else {
      statusLine.textContent = fmt(text.refused, {why: answer});
    }
  });
  var flush = outbox.flush;

  /* ---- the three taps ---- */
  function locate() {
    if (!navigator.geolocation) { positionLine.textContent = text.no_position; return; }
    positionLine.textContent = text.locating;
    navigator.geolocation.getCurrentPosition(function (p) {
      position = p.coords;
      positionLine.textContent = fmt(text.located, {m: Math.round(p.coords.accuracy)});
      ready();
    }, function () { positionLine.textContent = text.no_position; ready(); },
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  function ready() { sendButton.disabled = !(photo && title && position); }

  var quick = document.getElementById("report-quick");
  page.quick.forEach(function (label) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "chip";
    b.textContent = label;
    b.addEventListener("click", function () {
      title = label;
      Array.prototype.forEach.call(quick.children, function (c) { c.classList.toggle("chosen", c === b); });
      ready();
    });
    quick.appendChild(b);
  });

  photoInput.addEventListener("change", function () {   /* tap 1: the camera */
    photo = photoInput.files[0] || null;
    if (!photo) { return; }
    document.getElementById("report-preview").src = URL.createObjectURL(photo);
    sheet.hidden = false;
    statusLine.textContent = "";
    locate();
    ready();
  });

  sendButton.addEventListener("click", function () {   /* tap 3: send (tap 2 chose what) */
    var note = document.getElementById("report-note").value;
    var fields = {title: title, description: note, category: document.getElementById("report-category").value,
                  severity: document.getElementById("report-severity").value,
                  source: "grid_worker", lon: position.longitude.toFixed(6), lat: position.latitude.toFixed(6)};
    sendButton.disabled = true;
    outbox.add("report", page.api, fields, photo ? [photo] : []).then(function () {
      statusLine.textContent = text.queued;
      sheet.hidden = true;
      photo = null; title = ""; photoInput.value = "";
      Array.prototype.forEach.call(quick.children, function (c) { c.classList.remove("chosen"); });
      return flush();
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(page.sw, {scope: "./"}).catch(function () {});
  }
  outbox.changed().then(flush);
})();
