// 复制链接: the order page of a phone browser that cannot scan its own QR code, and a course's share
// link (which also tells the server a learner shared, through `data-beacon`).
(function () {
  var button = document.getElementById('copy-link');
  if (!button) return;
  var input = document.getElementById(button.getAttribute('data-copy-target'));
  var message = document.getElementById('copy-message');
  var copied = button.getAttribute('data-copied') || '已复制，请到微信中粘贴打开';
  function done(text) { if (message) message.textContent = text; }
  function beacon() {
    var url = button.getAttribute('data-beacon');
    if (!url || !navigator.sendBeacon) return;
    navigator.sendBeacon(url, new URLSearchParams({ _csrf: button.getAttribute('data-csrf') || '', course_id: button.getAttribute('data-course-id') || '' }));
  }
  function copySelection() {
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
  button.addEventListener('click', function () {
    var text = input.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(copied); beacon(); }, fallback);
    } else {
      fallback();
    }
    function fallback() {
      input.focus();
      input.select();
      var ok = copySelection();
      done(ok ? copied : '请长按上面的链接手动复制');
      if (ok) beacon();
    }
  });
})();
