// "Run for existing records": while a backfill is running (or paused with runs in flight), its
// card's progress bar and counts follow GET <admin>/api/backfills/:id every few seconds. Without
// JavaScript the page shows the state it was loaded with (reload for more).
(function () {
  'use strict';
  var cards = document.querySelectorAll('[data-backfill][data-api]');
  if (!cards.length || !window.fetch) return;

  function line(p) {
    return (
      p.succeeded + ' done · ' + p.failed + ' failed · ' + p.skipped + ' skipped · ' +
      p.inProgress + ' running or queued · ' + p.remaining + ' remaining, of ' + p.total
    );
  }

  function follow(card) {
    fetch(card.getAttribute('data-api'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (!body) return;
        var b = body.backfill;
        var bar = card.querySelector('progress');
        if (bar) { bar.value = b.progress.percent; bar.textContent = b.progress.percent + ' %'; }
        var text = card.querySelector('[data-progress]');
        if (text) text.textContent = line(b.progress);
        var was = card.getAttribute('data-status');
        card.setAttribute('data-status', b.status);
        // A change of state changes the buttons: the server draws them.
        if (was !== b.status) { window.location.reload(); return; }
        if (b.status === 'running' || b.progress.inProgress > 0) setTimeout(function () { follow(card); }, 2000);
      })
      .catch(function () { /* the page keeps what it shows */ });
  }

  for (var i = 0; i < cards.length; i++) {
    var c = cards[i];
    var s = c.getAttribute('data-status');
    if (s === 'running' || s === 'paused') setTimeout(follow.bind(null, c), 2000);
  }
})();
