/* Behaviours every page may use without inline script (the Content-Security-Policy
 * refuses onclick= and friends, core/csp.py), and the one escaping path for markup
 * built in JavaScript:
 *   <select data-autosubmit>            submits its form when changed
 *   <form data-confirm="Delete?">       asks before submitting
 *   <form data-url=".../CODE/" data-url-field="place">  posts to the URL with CODE
 *                                       replaced by that field's value
 *   Yingji.escape(text)                 text safe inside HTML
 *   Yingji.html`<b>${name}</b>`         an element from markup whose ${values} are escaped */
(function () {
  "use strict";
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;", "`": "&#96;"};

  function escape(value) {
    return String(value == null ? "" : value).replace(/[&<>"'`]/g, function (c) { return ENTITIES[c]; });
  }

  function html(strings) {
    var out = strings[0];
    for (var i = 1; i < strings.length; i++) { out += escape(arguments[i]) + strings[i]; }
    var span = document.createElement("span");
    span.innerHTML = out;
    return span;
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.dataset) { return; }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    if (form.dataset.url && form.dataset.urlField) {
      form.action = form.dataset.url.replace("CODE", encodeURIComponent(form.elements[form.dataset.urlField].value));
    }
  }, true);

  var Yingji = window.Yingji = window.Yingji || {};
  Yingji.escape = escape; Yingji.html = html; Yingji.text = text;
})();
