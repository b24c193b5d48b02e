// Reports active reading time: a beacon every 15 s while the lesson is visible, and one when it is
// hidden. The server counts at most the time since the previous beacon, so this only says "still here".
(function () {
  'use strict';
  var article = document.querySelector('[data-activity-url]');
  if (!article) return;
  var url = article.getAttribute('data-activity-url');
  var token = article.getAttribute('data-csrf');
  var INTERVAL_MS = 15000;
  var timer = null;

  function send() {
    var body = new URLSearchParams({ _csrf: token });
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin', keepalive: true }).catch(function () {});
  }

  function start() {
    if (timer === null) timer = setInterval(send, INTERVAL_MS);
  }

  function stop() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') {
      start();
    } else {
      send();
      stop();
    }
  });
  if (document.visibilityState === 'visible') start();
})();
