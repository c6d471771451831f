/* The grid worker's phone page: report a hazard in three taps (photo, what, send), on a flaky network.
 *
 * A report is first written to an outbox in IndexedDB with a fresh idempotency key, then sent; if the
 * network fails it stays there and is sent again when the phone is back online, when the page opens,
 * or by the service worker's background sync. The server answers a resend with the same key with the
 * hazard it already made (200), so a retry never makes a duplicate. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("grid-page").textContent);
  var text = page.text;
  var DB = "yingji-hazards", STORE = "outbox";
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
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  /* ---- the outbox (IndexedDB) ---- */
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: "key"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queued() { return tx("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  function showOutbox() {
    return queued().then(function (items) {
      outboxLine.textContent = items.length ? fmt(text.waiting, {n: items.length}) : "";
      document.body.dataset.outbox = items.length;
    });
  }

  /* Send one queued report; resolves true when the server has it (created now or before). */
  function send(item) {
    var body = new FormData();
    Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
    body.append("idempotency_key", item.key);
    if (item.photo) { body.append("photos", item.photo, "photo.jpg"); }
    return fetch(page.api, {method: "POST", body: body, credentials: "same-origin",
                            headers: {"X-CSRFToken": item.csrf || csrf()}})
      .then(function (response) {
        if (response.status === 200 || response.status === 201) {
          return response.json().then(function (hazard) {
            statusLine.textContent = fmt(text.sent, {ref: hazard.reference});
            statusLine.dataset.reference = hazard.reference;
            return remove(item.key).then(function () { return true; });
          });
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          /* Refused for what it says (a bad photo, no permission): sending it again would not help. */
          return response.json().catch(function () { return {}; }).then(function (error) {
            var why = (error.errors || []).map(function (e) { return e.message; }).join(" ") || error.detail || response.status;
            statusLine.textContent = fmt(text.refused, {why: why});
            return remove(item.key).then(function () { return true; });
          });
        }
        return false;  /* 5xx, 408, 429: keep it and try again later */
      })
      .catch(function () { return false; });  /* no network */
  }

  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    flushing = queued().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () { return send(item); });
      }, Promise.resolve());
    }).then(showOutbox, showOutbox).then(function () { flushing = null; });
    return flushing;
  }
  window.addEventListener("online", flush);
  window.YingjiOutbox = {flush: flush, queued: queued};

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
    var item = {
      key: uuid(), csrf: csrf(), photo: photo, at: new Date().toISOString(),
      fields: {title: title, description: note, category: document.getElementById("report-category").value,
               severity: document.getElementById("report-severity").value,
               source: "grid_worker", lon: position.longitude.toFixed(6), lat: position.latitude.toFixed(6)}
    };
    sendButton.disabled = true;
    put(item).then(function () {
      statusLine.textContent = text.queued;
      sheet.hidden = true;
      photo = null; title = ""; photoInput.value = "";
      Array.prototype.forEach.call(quick.children, function (c) { c.classList.remove("chosen"); });
      return showOutbox();
    }).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.ready && "SyncManager" in window) {
        navigator.serviceWorker.ready.then(function (r) { return r.sync.register("hazards-outbox"); }).catch(function () {});
      }
      return flush();
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(page.sw, {scope: "./"}).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (e) { if (e.data === "outbox-sent") { showOutbox(); } });
  }
  showOutbox().then(flush);
})();
