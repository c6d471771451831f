/* A patrol on the grid worker's phone: a check-in takes the phone's position when the button is pressed
 * and goes through the outbox (outbox.js) shared with the hazard reports — kept on the phone while the
 * network is away, sent once it is back (page opened, online again, the service worker's sync), with an
 * idempotency key so a resend never makes a second check-in. The server measures the distance to the
 * point and refuses a check-in outside the plan's tolerance; the refusal is shown on the point's card. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("patrol-texts").textContent);
  var outbox = window.YingjiOutbox;
  var forms = {};
  document.querySelectorAll("form.check-in").forEach(function (form) { forms[form.elements.point.value] = form; });

  function mine(item) { return item.kind === "check-in" && item.fields.plan === String(page.plan); }
  function showQueued(items) {
    var waiting = items.filter(mine);
    Object.keys(forms).forEach(function (code) {
      var queued = waiting.some(function (i) { return i.fields.risk_point === code; });
      var form = forms[code];
      form.dataset.queued = queued ? "1" : "";
      if (queued) {
        form.querySelector(".status").textContent = page.queued;
        form.querySelector("button").disabled = true;
      }
    });
    document.body.dataset.outbox = waiting.length;
  }
  outbox.watch(showQueued);
  outbox.on("check-in", function (item, outcome, answer) {
    var form = forms[item.fields.risk_point];
    if (outcome === "sent") { window.location.reload(); return; }
    if (form) {
      form.querySelector(".status").textContent = answer;
      form.querySelector("button").disabled = false;
    }
  });

  Object.keys(forms).forEach(function (code) {
    var form = forms[code];
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = form.querySelector(".status");
      var button = form.querySelector("button");
      if (!navigator.geolocation) { status.textContent = page.no_position; return; }
      status.textContent = page.locating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var problems = Array.prototype.filter.call(form.elements.problem || [], function (b) { return b.checked; })
          .map(function (b) { return {key: b.value, ok: false}; });
        var fields = {plan: String(page.plan), risk_point: code, lon: pos.coords.longitude.toFixed(6),
                      lat: pos.coords.latitude.toFixed(6), accuracy_m: String(Math.round(pos.coords.accuracy)),
                      answers: JSON.stringify(problems), hazard: form.elements.hazard.value.trim(),
                      at: new Date().toISOString()};
        var photos = Array.prototype.slice.call(form.elements.photos.files || []);
        outbox.add("check-in", page.api, fields, photos).then(function () {
          status.textContent = page.queued;
          return outbox.flush();
        });
      }, function () {
        status.textContent = page.no_position;
        button.disabled = false;
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});  // a fresh fix: the position proves presence
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(page.sw, {scope: page.scope}).catch(function () {});
  }
  outbox.changed().then(outbox.flush);
})();
