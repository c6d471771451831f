/* The phone view: "use my position" reloads the nearest shelters from the phone's position. */
(function () {
  "use strict";
  var script = document.currentScript, button = document.getElementById("locate");
  if (!button || !navigator.geolocation) { if (button) { button.hidden = true; } return; }
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (pos) {
      htmx.ajax("GET", script.dataset.url + "?lon=" + pos.coords.longitude + "&lat=" + pos.coords.latitude, {target: "#shelters"});
    }, function () { button.disabled = true; }, {enableHighAccuracy: true, timeout: 10000});
  });
})();
