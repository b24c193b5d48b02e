// Turns a like form into a toggle without a reload. The form still works without this script: it
// posts and comes back (Post/Redirect/Get). The server answers with the state it now holds, so two
// quick taps that both say "like" end as one like, and the button shows what is true.
(function () {
  'use strict';
  document.querySelectorAll('form[data-like]').forEach(function (form) {
    var button = form.querySelector('button');
    var busy = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      var token = form.querySelector('input[name="_csrf"]').value;
      fetch(form.action, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'x-csrf-token': token } })
        .then(function (res) {
          if (!res.ok) throw new Error(String(res.status));
          return res.json();
        })
        .then(function (state) {
          form.action = form.action.replace(/\/(un)?like$/, state.liked ? '/unlike' : '/like');
          button.classList.toggle('is-liked', state.liked);
          button.setAttribute('aria-pressed', state.liked ? 'true' : 'false');
          form.querySelector('.like-heart').textContent = state.liked ? '♥' : '♡';
          form.querySelector('[data-like-label]').textContent = state.liked ? '已赞' : '点赞';
          form.querySelector('[data-like-count]').textContent = String(state.count);
        })
        .catch(function () {
          // Fall back to the plain form: the page reloads with the server's answer.
          form.submit();
        })
        .then(function () {
          busy = false;
        });
    });
  });
})();
