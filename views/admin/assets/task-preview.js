// Live Preview on the webhook task page (progressive enhancement): while the admin edits, the
// form is sent to POST <admin>/api/tasks/preview (debounced) and the request shown is replaced.
// Without this file the Preview button posts the form and the server renders the same result.
(function () {
  'use strict';
  var SKIP = { _csrf: 1, previewRecordId: 1, previewRunId: 1, refresh: 1, preview: 1 };

  function formFields(form) {
    var out = {};
    new FormData(form).forEach(function (value, name) {
      if (SKIP[name] || typeof value !== 'string') return;
      if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = value;
      else if (Array.isArray(out[name])) out[name].push(value);
      else out[name] = [out[name], value];
    });
    return out;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clearMarks(form) {
    form.querySelectorAll('[data-preview-row-error]').forEach(function (e) { e.remove(); });
  }

  // `params.1.value` → the second row of [data-rows="params"]; `url` → the element with id url.
  function markField(form, key, message) {
    var m = /^(\w+)\.(\d+)/.exec(key);
    var at = null;
    if (m) {
      var rows = form.querySelectorAll('[data-rows="' + m[1] + '"] .row:not(.row-head)');
      at = rows[Number(m[2])] || null;
    } else {
      at = document.getElementById(key.split('.').pop());
      at = at && at.closest('.field, fieldset');
    }
    if (!at) return;
    var p = el('p', 'field-error', message);
    p.setAttribute('data-preview-row-error', '');
    at.appendChild(p);
  }

  function showResult(box, p) {
    box.replaceChildren();
    box.appendChild(el('p', 'muted small', 'For ' + p.source + ' · event ' + p.event.type + ' at ' + p.event.time +
      ' · assumed webhook-id ' + p.webhookId + ' and webhook-timestamp ' + p.timestamp));
    box.appendChild(el('p', 'mono small break', p.method + ' ' + p.url));
    var dl = el('dl', 'kv');
    Object.keys(p.headers).forEach(function (k) { dl.appendChild(el('dt', '', k)); dl.appendChild(el('dd', '', p.headers[k])); });
    box.appendChild(dl);
    box.appendChild(p.body ? el('pre', 'code', p.body) : el('p', 'muted', 'No body.'));
  }

  // `params.1.value` → "params row 2, value" (the error itself also shows at the row).
  function describeKey(key) {
    var m = /^(\w+)\.(\d+)\.?(\w*)$/.exec(key);
    return m ? m[1] + ' row ' + (Number(m[2]) + 1) + (m[3] ? ', ' + m[3] : '') : key;
  }

  function showError(box, form, error) {
    box.replaceChildren();
    var alert = el('div', 'alert', error.message || 'The request cannot be previewed');
    alert.setAttribute('role', 'alert');
    box.appendChild(alert);
    Object.keys(error.fields || {}).forEach(function (k) {
      alert.appendChild(el('div', '', (k === '(root)' ? '' : describeKey(k) + ': ') + error.fields[k]));
      markField(form, k, error.fields[k]);
    });
  }

  function refresh(section, form) {
    var box = section.querySelector('[data-preview-result]');
    var token = document.querySelector('meta[name="hookflow-csrf"]');
    var body = { workflowId: Number(section.getAttribute('data-workflow-id')), form: formFields(form) };
    if (section.hasAttribute('data-task-id')) body.taskId = Number(section.getAttribute('data-task-id'));
    else body.type = section.getAttribute('data-type');
    var record = form.querySelector('[name="previewRecordId"]').value.trim();
    var run = form.querySelector('[name="previewRunId"]').value;
    if (run) body.runId = Number(run);
    else if (/^[1-9]\d*$/.test(record)) body.recordId = Number(record);
    fetch(section.getAttribute('data-api'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token ? token.content : '' },
      body: JSON.stringify(body),
    })
      .then(function (res) { return res.json().then(function (json) { return { ok: res.ok, json: json }; }); })
      .then(function (r) {
        clearMarks(form);
        if (r.ok) showResult(box, r.json.preview);
        else showError(box, form, r.json.error || {});
      })
      .catch(function () { /* the Preview button still works */ });
  }

  function start() {
    var section = document.querySelector('[data-preview]');
    var form = section && section.closest('form');
    if (!form || !window.fetch) return;
    var timer = null;
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(section, form); }, 400);
    };
    form.addEventListener('input', later);
    form.addEventListener('change', later);
    // A saved task is previewed at once; a new one from its first edit on.
    if (section.hasAttribute('data-task-id')) refresh(section, form);
  }

  if (document.readyState !== 'loading') start();
  else document.addEventListener('DOMContentLoaded', start);
})();
