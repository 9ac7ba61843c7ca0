// Hookflow admin pages: small progressive enhancement only. Every essential action works
// without this file (forms post, blank rows are already on the page).
(function () {
  'use strict';
  document.documentElement.classList.add('has-js');

  function ready(fn) {
    if (document.readyState !== 'loading') fn();
    else document.addEventListener('DOMContentLoaded', fn);
  }

  function copyText(value, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, function () {});
      return;
    }
    var area = document.createElement('textarea');
    area.value = value;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); done(); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  function localTimes() {
    document.querySelectorAll('time[datetime]').forEach(function (el) {
      var d = new Date(el.getAttribute('datetime'));
      if (isNaN(d.getTime())) return;
      el.title = el.textContent;
      el.textContent = d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    });
  }

  function addRow(name) {
    var box = document.querySelector('[data-rows="' + name + '"]');
    if (!box) return;
    var rows = box.querySelectorAll('.row:not(.row-head)');
    var last = rows[rows.length - 1];
    if (!last) return;
    var copy = last.cloneNode(true);
    copy.querySelectorAll('input').forEach(function (i) { i.value = ''; i.removeAttribute('aria-invalid'); });
    copy.querySelectorAll('select').forEach(function (s) { s.selectedIndex = 0; s.removeAttribute('aria-invalid'); });
    copy.querySelectorAll('.field-error').forEach(function (e) { e.remove(); });
    box.appendChild(copy);
    var first = copy.querySelector('input, select');
    if (first) first.focus();
  }

  function syncAuth() {
    var chosen = document.querySelector('input[name="auth"]:checked');
    var value = chosen ? chosen.value : 'none';
    document.querySelectorAll('[data-auth-show]').forEach(function (el) {
      el.hidden = el.getAttribute('data-auth-show') !== value;
    });
  }

  ready(function () {
    localTimes();
    syncAuth();
    // On narrow screens the chart scrolls; start at the newest hours.
    document.querySelectorAll('.chart-scroll').forEach(function (el) { el.scrollLeft = el.scrollWidth; });
    document.addEventListener('click', function (ev) {
      var t = ev.target.closest('[data-copy], [data-add-row]');
      if (!t) return;
      if (t.hasAttribute('data-copy')) {
        var src = document.getElementById(t.getAttribute('data-copy'));
        if (src) copyText(src.value !== undefined && src.tagName !== 'PRE' ? src.value : src.textContent, t);
      } else {
        addRow(t.getAttribute('data-add-row'));
      }
    });
    document.addEventListener('change', function (ev) {
      if (ev.target.matches('input[name="auth"]')) syncAuth();
    });
    document.addEventListener('submit', function (ev) {
      var msg = ev.target.getAttribute('data-confirm');
      if (msg && !window.confirm(msg)) ev.preventDefault();
    });
  });
})();
