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
    if (name === 'conditions') syncConditionValue(copy);
    var first = copy.querySelector('input, select');
    if (first) first.focus();
  }

  // A condition row's value follows its field: a picklist field offers its options as a
  // drop-down, any other field a text box — what the server renders for a saved row (and, without
  // this script, after "Update form"). A value that is not an option of the new field is cleared.
  function syncConditionValue(row) {
    var box = row.closest('[data-picklists]');
    var field = row.querySelector('select[name="condField"]');
    var current = row.querySelector('[name="condValue"]');
    if (!box || !field || !current) return;
    var picklists;
    try { picklists = JSON.parse(box.getAttribute('data-picklists') || '{}'); } catch (e) { return; }
    var options = Object.prototype.hasOwnProperty.call(picklists, field.value) ? picklists[field.value] : null;
    if (!options && current.tagName !== 'SELECT') return;
    var next;
    if (options) {
      next = document.createElement('select');
      [''].concat(options).forEach(function (o) {
        var opt = document.createElement('option');
        opt.value = o;
        opt.textContent = o === '' ? '\u2014 choose \u2014' : o;
        next.appendChild(opt);
      });
      next.value = options.indexOf(current.value) >= 0 ? current.value : '';
    } else {
      next = document.createElement('input');
      next.type = 'text';
      next.placeholder = 'value';
      next.setAttribute('list', 'cond-values');
    }
    next.name = 'condValue';
    next.setAttribute('aria-label', 'Value');
    current.replaceWith(next);
  }

  // data-show-when="contentType=XML" (or "auth=basic,bearer", or "trigger!=http"): the part shows
  // only while that form control has (or, with !=, has not) one of the values. The server renders
  // that state already (and keeps a part with an error visible), so this follows changes only; a
  // hidden fieldset is also disabled, so nothing in it is posted.
  function parseRule(text) {
    var m = /^([\w-]+)(!?=)(.*)$/.exec(text || '');
    return m ? { name: m[1], negate: m[2] === '!=', values: m[3].split(',') } : null;
  }

  function controlValue(scope, name, initial) {
    var radios = scope.querySelectorAll('input[type=radio][name="' + name + '"]');
    for (var i = 0; i < radios.length; i++) if (initial ? radios[i].defaultChecked : radios[i].checked) return radios[i].value;
    var select = scope.querySelector('select[name="' + name + '"]');
    if (!select) return '';
    if (!initial) return select.value;
    for (var j = 0; j < select.options.length; j++) if (select.options[j].defaultSelected) return select.options[j].value;
    return select.options.length ? select.options[0].value : '';
  }

  // `which(rule, scope)` says whether to apply a rule now.
  function applyShowWhen(which) {
    document.querySelectorAll('[data-show-when]').forEach(function (el) {
      var rule = parseRule(el.getAttribute('data-show-when'));
      var scope = el.closest('form') || document;
      if (!rule || !which(rule, scope)) return;
      var on = rule.values.indexOf(controlValue(scope, rule.name, false)) >= 0;
      if (rule.negate) on = !on;
      el.hidden = !on;
      if (el.tagName === 'FIELDSET') el.disabled = !on;
    });
  }

  ready(function () {
    localTimes();
    // A browser that restored a form after "back" may show another choice than the page was
    // rendered for: follow those controls only.
    applyShowWhen(function (rule, scope) { return controlValue(scope, rule.name, false) !== controlValue(scope, rule.name, true); });
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
      var name = ev.target.name;
      if (name === 'condField' && ev.target.closest('[data-rows="conditions"]')) syncConditionValue(ev.target.closest('.row'));
      if (name) applyShowWhen(function (rule) { return rule.name === name; });
    });
    document.addEventListener('submit', function (ev) {
      var msg = ev.target.getAttribute('data-confirm');
      if (msg && !window.confirm(msg)) ev.preventDefault();
    });
  });
})();
