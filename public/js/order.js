// The order page: polls the order's status so it turns to "paid" without a reload, and starts the
// JSAPI payment inside WeChat (or the sandbox stand-in). A successful bridge callback is not proof of
// payment: the page waits for the server to say so.
(function () {
  'use strict';
  var section = document.querySelector('[data-order-status-url]');
  if (!section) return;
  var statusUrl = section.getAttribute('data-order-status-url');
  var initial = section.getAttribute('data-order-status');
  var POLL_MS = 2000;

  function poll() {
    fetch(statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (data) {
        if (data && data.status && data.status !== initial) {
          window.location.reload();
          return;
        }
        setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        setTimeout(poll, POLL_MS * 2);
      });
  }
  setTimeout(poll, POLL_MS);

  var button = document.getElementById('pay-button');
  var message = document.getElementById('pay-message');
  function invoke() {
    var params = JSON.parse(button.getAttribute('data-pay-params'));
    window.WeixinJSBridge.invoke('getBrandWCPayRequest', params, function (res) {
      var result = res && res.err_msg;
      if (result === 'get_brand_wcpay_request:ok') message.textContent = '支付完成，正在确认…';
      else if (result === 'get_brand_wcpay_request:cancel') message.textContent = '已取消支付';
      else message.textContent = '支付未成功，请重试';
    });
  }
  if (button) {
    button.addEventListener('click', function () {
      if (window.WeixinJSBridge) invoke();
      else document.addEventListener('WeixinJSBridgeReady', invoke, { once: true });
    });
  }
})();
