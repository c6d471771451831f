/* The login page (where logging out lands, and where a new user starts on a
 * shared phone): delete the responder page's offline copies, so nothing of the
 * last user's call-outs stays on the device. */
(function () {
  "use strict";
  if (!("caches" in window)) { return; }
  caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("yingji-responder-") === 0; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { document.body.setAttribute("data-offline-copies", "forgotten"); },
          function () { /* no cache storage on plain HTTP: nothing was kept */ });
})();
