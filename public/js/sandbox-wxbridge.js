// WeChat Pay sandbox: a stand-in for WeixinJSBridge outside WeChat, for JSAPI payments only.
// Include it (sandbox mode only) with <script src="/static/js/sandbox-wxbridge.js" data-sandbox-base="/__sandbox/wechatpay"></script>.
// invoke('getBrandWCPayRequest', params, cb) asks the sandbox to check paySign with the merchant key,
// shows a sheet with 支付成功 / 支付失败 / 取消, and calls cb({err_msg: 'get_brand_wcpay_request:ok|fail|cancel'}).
(function () {
  'use strict';
  if (window.WeixinJSBridge) return; // inside WeChat the real bridge wins

  var script = document.currentScript;
  var base = (script && script.getAttribute('data-sandbox-base')) || '/__sandbox/wechatpay';
  base = base.replace(/\/$/, '');

  function ensureStyles() {
    if (document.querySelector('link[data-sandbox-css]')) return;
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = script && script.src ? script.src.replace(/\/js\/sandbox-wxbridge\.js(\?.*)?$/, '/css/sandbox.css') : '/static/css/sandbox.css';
    link.setAttribute('data-sandbox-css', '');
    document.head.appendChild(link);
  }

  function post(path, body) {
    return fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data && data.message ? data.message : '沙箱请求失败');
        return data;
      });
    });
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(label, className, testid) {
    var b = el('button', 'sbx-btn ' + className, label);
    b.type = 'button';
    b.setAttribute('data-testid', testid);
    return b;
  }

  function showSheet(session, done) {
    ensureStyles();
    var overlay = el('div', 'sbx-overlay');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', '微信支付（沙箱）');
    var sheet = el('div', 'sbx-sheet');
    sheet.appendChild(el('p', 'sbx-merchant', '微信支付（沙箱）· ' + session.merchant_name));
    sheet.appendChild(el('p', 'sbx-amount', session.amount));
    sheet.appendChild(el('p', 'sbx-note', session.description));
    var actions = el('div', 'sbx-actions');
    var ok = button('支付成功', 'sbx-btn-primary', 'sandbox-pay-success');
    var fail = button('支付失败', 'sbx-btn-ghost', 'sandbox-pay-fail');
    var cancel = button('取消', 'sbx-btn-plain', 'sandbox-pay-cancel');
    var error = el('p', 'sbx-error');
    actions.appendChild(ok);
    actions.appendChild(fail);
    actions.appendChild(cancel);
    sheet.appendChild(actions);
    sheet.appendChild(error);
    overlay.appendChild(sheet);
    document.body.appendChild(overlay);
    ok.focus();

    function finish(result) {
      overlay.remove();
      done(result);
    }
    function choose(outcome) {
      ok.disabled = fail.disabled = cancel.disabled = true;
      post('/sandbox/jsapi/outcome', { token: session.token, outcome: outcome })
        .then(function () {
          finish(outcome === 'success' ? 'ok' : 'fail');
        })
        .catch(function (e) {
          error.textContent = e.message;
          ok.disabled = fail.disabled = cancel.disabled = false;
        });
    }
    ok.addEventListener('click', function () { choose('success'); });
    fail.addEventListener('click', function () { choose('fail'); });
    cancel.addEventListener('click', function () { finish('cancel'); });
  }

  window.WeixinJSBridge = {
    sandbox: true,
    invoke: function (name, params, cb) {
      var callback = typeof cb === 'function' ? cb : function () {};
      if (name !== 'getBrandWCPayRequest') {
        callback({ err_msg: name + ':fail not supported by the sandbox' });
        return;
      }
      post('/sandbox/jsapi/session', params || {})
        .then(function (session) {
          showSheet(session, function (result) {
            callback({ err_msg: 'get_brand_wcpay_request:' + result });
          });
        })
        .catch(function (e) {
          callback({ err_msg: 'get_brand_wcpay_request:fail', err_desc: e.message });
        });
    },
  };
  // Pages usually wait for this event before calling invoke.
  document.dispatchEvent(new Event('WeixinJSBridgeReady'));
})();
