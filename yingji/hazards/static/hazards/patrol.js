// A check-in sends the phone's position: taken when the button is pressed, then the form is submitted.
// The server measures the distance to the point and refuses a check-in outside the plan's tolerance.
(function () {
  "use strict";
  const texts = JSON.parse(document.getElementById("patrol-texts").textContent);
  document.querySelectorAll("form.check-in").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.elements.lon.value) return; // position already taken: send
      event.preventDefault();
      const status = form.querySelector(".status");
      const button = form.querySelector("button");
      if (!navigator.geolocation) { status.textContent = texts.no_position; return; }
      status.textContent = texts.locating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lon.value = pos.coords.longitude;
        form.elements.lat.value = pos.coords.latitude;
        form.elements.accuracy.value = Math.round(pos.coords.accuracy);
        form.submit();
      }, function () {
        status.textContent = texts.no_position;
        button.disabled = false;
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 10000});
    });
  });
})();
