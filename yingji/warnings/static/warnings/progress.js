/* The release progress page: when core.realtime says this warning's deliveries moved (sent,
 * delivered, read, acknowledged), re-read the counts and the list of who has not acknowledged
 * (as filtered and paged) — at most once a second, however many batches the workers finish. */
(function () {
  "use strict";
  var box = document.getElementById("counts"), dot = document.getElementById("live-dot");
  if (!box || !window.Yingji || !Yingji.live) { return; }
  var warning = Number(box.dataset.warning), pending = false, last = 0;

  function refresh() {
    pending = false;
    last = Date.now();
    var waiting = document.getElementById("waiting");
    htmx.ajax("GET", box.dataset.url, {target: "#counts", swap: "innerHTML"}).then(function () {
      box.dataset.refreshed = String((Number(box.dataset.refreshed) || 0) + 1);
    });
    if (waiting && waiting.dataset.url) {
      htmx.ajax("GET", waiting.dataset.url, {target: "#waiting", swap: "outerHTML"});
    }
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
