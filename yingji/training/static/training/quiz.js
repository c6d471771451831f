// The residents' quiz page: a countdown to the deadline the server keeps (it refuses late answers
// whatever this shows); at zero the paper is sent as it stands.
(function () {
  "use strict";
  var box = document.querySelector("[data-seconds-left]");
  if (!box) { return; }
  var form = document.querySelector("[data-testid=quiz-paper]");
  var left = parseInt(box.getAttribute("data-seconds-left"), 10) || 0;
  var ends = Date.now() + left * 1000;
  function show() {
    var s = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var m = Math.floor(s / 60), r = s % 60;
    box.textContent = m + ":" + (r < 10 ? "0" : "") + r;
    if (s === 0) {
      clearInterval(timer);
      if (form && !form.dataset.sent) { form.dataset.sent = "1"; form.submit(); }
    }
  }
  var timer = setInterval(show, 1000);
  show();
})();
