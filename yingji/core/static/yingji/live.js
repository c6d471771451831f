/* Yingji.live: subscribe a page to live messages (yingji/core/realtime.py).
 *
 *   var live = Yingji.live({
 *     topics: ["incidents"],          // a console: these topics within the user's jurisdictions,
 *                                     // plus what is addressed to the user; omit for a phone that
 *                                     // hears only what is addressed to its user (/ws/me/)
 *     onMessage: function (message) { ... message.topic, message.kind ... },
 *     onStatus: function (connected) { ... }   // optional: show a "live" dot
 *   });
 *   live.close();
 *
 * Reconnects by itself two seconds after the connection drops; while connected
 * the <body> carries data-live="1" (browser tests wait for it). The "hello"
 * message that opens each connection is not passed on. */
(function () {
  "use strict";
  var Yingji = window.Yingji = window.Yingji || {};

  Yingji.live = function (options) {
    var topics = options.topics || [];
    var path = topics.length ? "/ws/live/?topics=" + topics.map(encodeURIComponent).join(",") : "/ws/me/";
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = null, closed = false, retry = null;

    function status(connected) {
      if (connected) { document.body.setAttribute("data-live", "1"); } else { document.body.removeAttribute("data-live"); }
      if (options.onStatus) { options.onStatus(connected); }
    }
    function connect() {
      socket = new WebSocket(scheme + location.host + path);
      socket.onopen = function () { status(true); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.kind === "hello") { return; }
        options.onMessage(message);
      };
      socket.onclose = function () {
        status(false);
        if (!closed) { retry = setTimeout(connect, 2000); }
      };
    }
    connect();
    return {
      close: function () { closed = true; clearTimeout(retry); if (socket) { socket.close(); } }
    };
  };
})();
