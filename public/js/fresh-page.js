// Pages for a logged-in learner depend on what they own and paid. A page restored from the
// back-forward cache would show what was true before (a buy button after paying): load it afresh.
window.addEventListener('pageshow', function (event) {
  if (event.persisted) window.location.reload();
});
