/* The grid worker's outbox: what the phone must send, kept in IndexedDB until the server has it.
 *
 * Used by the phone page's hazard reports (grid.js) and the patrol check-ins (patrol.js), and read by
 * the service worker's background sync (grid_sw.js) — one store, "yingji-hazards"/"outbox". An item is
 * {key, api, csrf, fields, photos: [Blob], at}; `key` is a fresh idempotency key sent with it, so the
 * server answers a resend (a retry, the page and the service worker both sending) with what it made the
 * first time (200) and never makes a duplicate. An item leaves the outbox when the server answered it:
 * accepted (200/201), or refused for what it says (another 4xx: sending it again would not help);
 * a 5xx, 408, 429 or no network keeps it for the next try (online again, page opened, sync). */
(function () {
  "use strict";
  var DB = "yingji-hazards", STORE = "outbox";

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
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

  /* Who wants to hear what the server said about an item: handlers[kind](item, outcome, body). */
  var handlers = {};
  function on(kind, handler) { handlers[kind] = handler; }
  function tell(item, outcome, body) {
    var handler = handlers[item.kind || "report"];
    if (handler) { try { handler(item, outcome, body); } catch (e) { /* a page's handler never blocks the queue */ } }
  }

  /* Send one item; resolves true when it left the outbox (accepted or refused), false to try later. */
  function send(item) {
    var body = new FormData();
    Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
    body.append("idempotency_key", item.key);
    (item.photos || (item.photo ? [item.photo] : [])).forEach(function (p, i) { body.append("photos", p, "photo" + i + ".jpg"); });
    return fetch(item.api || api.defaultApi, {method: "POST", body: body, credentials: "same-origin",
                            headers: {"X-CSRFToken": item.csrf || csrf()}})
      .then(function (response) {
        if (response.status === 200 || response.status === 201) {
          return response.json().then(function (answer) {
            return remove(item.key).then(function () { tell(item, "sent", answer); return true; });
          });
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          return response.json().catch(function () { return {}; }).then(function (error) {
            var why = (error.errors || []).map(function (e) { return e.message; }).join(" ") || error.detail || response.status;
            return remove(item.key).then(function () { tell(item, "refused", why); return true; });
          });
        }
        return false;
      })
      .catch(function () { return false; });
  }

  var listeners = [];
  function changed() {
    return queued().then(function (items) {
      listeners.forEach(function (l) { l(items); });
      return items;
    });
  }
  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    flushing = queued().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () { return send(item); });
      }, Promise.resolve());
    }).then(changed, changed).then(function (items) { flushing = null; return items; });
    return flushing;
  }

  /* Queue `fields` (and `photos`) for `api`; resolves with the item once it is safe on the phone. */
  function add(kind, api, fields, photos) {
    var item = {key: uuid(), kind: kind, api: api, csrf: csrf(), fields: fields, photos: photos || [],
                at: new Date().toISOString()};
    return put(item).then(changed).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.ready && "SyncManager" in window) {
        navigator.serviceWorker.ready.then(function (r) { return r.sync.register("hazards-outbox"); }).catch(function () {});
      }
      return item;
    });
  }

  window.addEventListener("online", flush);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) { if (e.data === "outbox-sent") { changed(); } });
  }
  var api = {defaultApi: ""};  /* items queued before they named their API: the hazard report's (grid.js) */
  window.YingjiOutbox = {api: api, add: add, flush: flush, queued: queued, on: on,
                         watch: function (l) { listeners.push(l); }, changed: changed};
})();
