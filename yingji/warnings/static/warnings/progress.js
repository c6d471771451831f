/* The release progress page: when core.realtime says this warning's deliveries moved (sent,
 * delivered, read, acknowledged), re-read the counts — at most once a second, however many
 * batches the workers finish meanwhile. */
(function () {
  "use strict";
  var box = document.getElementById("counts"), dot = document.getElementById("live-dot");
  if (!box || !window.Yingji || !Yingji.live) { return; }
  var warning = Number(box.dataset.warning), pending = false, last = 0;

  function refresh() {
    pending = false;
    last = Date.now();
    htmx.ajax("GET", box.dataset.url, {target: "#counts", swap: "innerHTML"}).then(function () {
      box.dataset.refreshed = String((Number(box.dataset.refreshed) || 0) + 1);
    });
  }
  Yingji.live({
    topics: ["warnings"],
    onMessage: function (m) {
      if (m.kind !== "warning.progress" || m.warning !== warning || pending) { return; }
      pending = true;
      setTimeout(refresh, Math.max(0, 1000 - (Date.now() - last)));
    },
    onStatus: function (connected) { if (dot) { dot.classList.toggle("on", connected); } }
  });
})();
