// Inside WeChat: configures the JS-SDK with a server-signed config and sets the share card (title,
// summary, cover) of this page. Loaded only in the WeChat browser, after jweixin.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="zhifu:share"]');
  if (!meta || !window.wx) return;
  var card = {
    title: meta.getAttribute('data-title'),
    desc: meta.getAttribute('data-desc'),
    imgUrl: meta.getAttribute('data-img'),
    // The learner's own link (with their share code) when they are signed in.
    link: meta.getAttribute('data-link') || window.location.href.split('#')[0],
  };
  // The signature is for this page's address; the card may point at the learner's share link.
  fetch('/wechat/jssdk-config?url=' + encodeURIComponent(window.location.href.split('#')[0]), { credentials: 'same-origin' })
    .then(function (res) {
      return res.ok ? res.json() : null;
    })
    .then(function (cfg) {
      if (!cfg) return;
      window.wx.config({
        debug: false,
        appId: cfg.appId,
        timestamp: cfg.timestamp,
        nonceStr: cfg.nonceStr,
        signature: cfg.signature,
        jsApiList: ['updateAppMessageShareData', 'updateTimelineShareData'],
      });
      window.wx.ready(function () {
        window.wx.updateAppMessageShareData(card);
        window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    })
    .catch(function () {});
})();
