// 复制链接 on the order page of a phone browser that cannot scan its own QR code.
(function () {
  var button = document.getElementById('copy-link');
  if (!button) return;
  var input = document.getElementById(button.getAttribute('data-copy-target'));
  var message = document.getElementById('copy-message');
  function done(text) { if (message) message.textContent = text; }
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
      navigator.clipboard.writeText(text).then(function () { done('已复制，请到微信中粘贴打开'); }, fallback);
    } else {
      fallback();
    }
    function fallback() {
      input.focus();
      input.select();
      done(copySelection() ? '已复制，请到微信中粘贴打开' : '请长按上面的链接手动复制');
    }
  });
})();
