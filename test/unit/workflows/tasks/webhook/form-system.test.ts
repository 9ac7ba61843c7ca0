/**
 * The webhook form's destination system (echo suppression): the system input suggests the
 * systems permissions name, "don't send back" is on by default, and both round-trip through
 * the form to options the webhook schema accepts (nothing stored when no system is named).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../../../module/host.js';
import { COMMON_LABELS } from '../../../../../module/forms/task-form.js';
import { errorSubjects } from '../../../../../module/forms/form-values.js';
import { webhookForm } from '../../../../../module/workflows/tasks/webhook/form.js';
import { webhookTask } from '../../../../../module/workflows/tasks/webhook/task.js';
import { controls } from '../../../admin/form-html.js';
import { pageRenderer } from '../../../admin/render-page.js';

const deals: ModuleInfo = { name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }] };
const html = pageRenderer();
const wf = { id: 1, title: 'W', module: 'Deals', requiredEnv: [] };

function page(values: Record<string, unknown>, knownSystems: string[], errors: Record<string, string> = {}): string {
  const v = { ...webhookForm.blank({ workflow: wf }), ...values };
  const view = webhookForm.view(v, { workflow: wf, modules: [deals], users: [], secretsSet: [], errors, knownSystems });
  return html('task-edit', {
    wf,
    task: null,
    type: 'webhook',
    typeLabel: 'Webhook',
    partial: 'task-webhook',
    common: { title: 'T', description: null },
    values: v,
    view,
    errors,
    subjects: errorSubjects(errors, { ...COMMON_LABELS, ...webhookForm.labels }),
    refreshable: true,
    otherErrors: [],
    formError: Object.keys(errors).length > 0,
  });
}

test('the system input suggests the systems permissions name; skipping echoes is checked for a new webhook', () => {
  const out = page({}, ['accounting', 'warehouse']);
  assert.match(out, /<input id="system" name="system"[^>]*list="known-systems"/);
  assert.match(
    out,
    /<datalist id="known-systems"><option value="accounting"><\/option><option value="warehouse"><\/option><\/datalist>/,
  );
  assert.match(out, /suggested: accounting, warehouse/);
  assert.match(out, /<input type="checkbox" name="skipEchoes" value="1" checked>/);
  assert.ok(controls(out).some((c) => c.name === 'skipEchoes' && c.live));
  assert.doesNotMatch(page({}, []), /suggested:/);
});

test('an error on the system is shown beside it, naming the field', () => {
  const out = page({ system: 'a/b' }, [], { system: 'must be 1-64 letters, digits, spaces, - or _' });
  assert.match(out, /Destination system<\/span> <span id="system-error">must be 1-64 letters/);
});

test('form → options → form: the system and the switched-off skip round-trip; no system stores neither', () => {
  const base = { url: 'https://acct.example/hook', method: 'POST', contentType: 'JSON', auth: 'none' };
  const on = webhookForm.fromBody({ ...base, system: ' accounting ', skipEchoes: '1' });
  assert.deepEqual(
    [(on.options as any).system, (on.options as any).skipEchoes],
    ['accounting', undefined],
    'on is the default: not stored',
  );
  const off = webhookForm.fromBody({ ...base, system: 'accounting' });
  const parsed = webhookTask.options.parse(off.options);
  assert.deepEqual([parsed.system, parsed.skipEchoes], ['accounting', false]);
  assert.deepEqual(
    [webhookForm.fromOptions(parsed).system, webhookForm.fromOptions(parsed).skipEchoes],
    ['accounting', false],
  );
  const none = webhookForm.fromBody({ ...base, system: '', skipEchoes: '' });
  assert.equal(webhookTask.options.parse(none.options).system, undefined);
  assert.equal(webhookTask.options.parse(none.options).skipEchoes, undefined);
  assert.equal(webhookForm.fromOptions(webhookTask.options.parse(none.options)).skipEchoes, true);
});
