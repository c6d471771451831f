/* The roster's drag and drop: a person chip dropped on a shift card joins it (on the leader's place:
   leads it); dragged from another card, it leaves that one. The server answers the month's table again. */
(function () {
  "use strict";
  var roster = document.getElementById("roster");
  var error = document.getElementById("roster-error");
  if (!roster) { return; }
  var moveUrl = roster.getAttribute("data-move-url");
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest(".chip[draggable=true]");
    if (!chip) { return; }
    dragged = {user: chip.getAttribute("data-user"), source: chip.getAttribute("data-source") || ""};
    event.dataTransfer.setData("text/plain", dragged.user);
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (event) {
    var card = dragged && event.target.closest && event.target.closest("#roster .shift-card:not(.ended)");
    if (card) { event.preventDefault(); card.classList.add("drop-here"); }
  });
  document.addEventListener("dragleave", function (event) {
    var card = event.target.closest && event.target.closest(".shift-card");
    if (card) { card.classList.remove("drop-here"); }
  });
  document.addEventListener("drop", function (event) {
    var card = dragged && event.target.closest && event.target.closest("#roster .shift-card:not(.ended)");
    if (!card) { return; }
    event.preventDefault();
    card.classList.remove("drop-here");
    var body = new FormData();
    body.append("user", dragged.user);
    body.append("source", dragged.source);
    body.append("as_leader", event.target.closest("[data-role=leader]") ? "1" : "0");
    dragged = null;
    fetch(moveUrl.replace("/0/", "/" + card.getAttribute("data-shift") + "/"), {
      method: "POST", body: body, headers: {"X-CSRFToken": csrf}, credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.ok) {
          roster.innerHTML = text;
          error.hidden = true;
        } else {
          error.textContent = text;
          error.hidden = false;
        }
      });
    });
  });
})();
