/**
 * The webhook and workflow forms as rendered by the real templates: only what applies to the
 * chosen content type, authorization and trigger is live (shown and posted); the rest is there
 * for the script, hidden and disabled. Values that a save would drop are named, and a part
 * with an error is never hidden. Errors carry the field's label ("Title is required").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import type { ModuleInfo } from '../../../module/host.js';
import { createPageRenderer } from '../../../module/admin/pages/render.js';
import { TASK_FORMS, COMMON_LABELS } from '../../../module/admin/pages/task-forms.js';
import { errorSubjects } from '../../../module/admin/pages/form-values.js';
import { blankWorkflowValues, keepApplicable, valuesFromForm, workflowFormView } from '../../../module/admin/pages/workflow-form.js';
import { controls, fieldErrors, liveNames, parts } from './form-html.js';

const deals: ModuleInfo = { name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }] };
const renderPage = createPageRenderer({ csrfToken: () => 'token' });

/** Renders `view` with `data` into HTML, as a route would. */
function html(view: string, data: Record<string, unknown>): string {
  let body = '';
  const res = { locals: { hfBase: '/admin' }, status() { return this; }, set() { return this; }, type() { return this; }, send(b: string) { body = b; return this; } };
  renderPage({ query: {}, baseUrl: '/admin' } as unknown as Request, res as unknown as Response, view, { title: 'x', ...data });
  return body;
}

const wf = { id: 1, title: 'W', module: 'Deals', requiredEnv: [] };

function webhookPage(values: Record<string, unknown>, errors: Record<string, string> = {}): string {
  const form = TASK_FORMS.webhook;
  const v = { ...form.blank({ workflow: wf }), ...values };
  const view = form.view(v, { workflow: wf, modules: [deals], users: [], secretsSet: [], errors });
  return html('task-edit', {
    wf, task: null, type: 'webhook', typeLabel: 'Webhook', partial: 'task-webhook', common: { title: 'T', description: null },
    values: v, view, errors, subjects: errorSubjects(errors, { ...COMMON_LABELS, ...form.labels }), refreshable: true, otherErrors: [], formError: Object.keys(errors).length > 0,
  });
}

test('webhook: the XML root shows only for XML, the Bitrix24 token only for BITRIX24, each body hint only for its type', () => {
  const types = ['JSON', 'JSONARRAY', 'XML', 'FORM', 'BITRIX24', 'ENVELOPE'];
  for (const contentType of types) {
    const page = webhookPage({ contentType });
    const live = liveNames(page);
    assert.equal(live.has('xmlRoot'), contentType === 'XML', `${contentType}: xmlRoot`);
    assert.equal(live.has('applicationToken'), contentType === 'BITRIX24', `${contentType}: applicationToken`);
    assert.ok(controls(page).some((c) => c.name === 'xmlRoot'), 'the XML root is on the page for the script, just not live');
    // XML and BITRIX24 show their field and their hint; the others only their hint.
    const shownRules = parts(page).filter((p) => p.shown && p.rule.startsWith('contentType=')).map((p) => p.rule);
    const own = `contentType=${contentType}`;
    assert.deepEqual(shownRules, ['XML', 'BITRIX24'].includes(contentType) ? [own, own] : [own], `${contentType}: shown parts`);
  }
  assert.match(webhookPage({ contentType: 'BITRIX24' }), /parameters go under data\[FIELDS\]/);
});

test('webhook: Basic shows username and password, bearer the token, none neither', () => {
  const live = (auth: string) => [...liveNames(webhookPage({ auth }))].filter((n) => ['username', 'password', 'token'].includes(n)).sort();
  assert.deepEqual(live('none'), []);
  assert.deepEqual(live('basic'), ['password', 'username']);
  assert.deepEqual(live('bearer'), ['token']);
});

test('webhook: a part with an error stays visible; a set value another choice would drop is named', () => {
  const page = webhookPage({ contentType: 'JSON', xmlRoot: 'deal', auth: 'none', username: 'acct' }, { xmlRoot: 'must be at most 100 characters' });
  assert.ok(liveNames(page).has('xmlRoot'), 'the field with the error is shown');
  assert.ok(fieldErrors(page).includes('XML root element must be at most 100 characters'));
  const note = parts(webhookPage({ contentType: 'JSON', xmlRoot: 'deal' })).find((p) => p.rule === 'contentType!=XML');
  assert.deepEqual(note, { rule: 'contentType!=XML', shown: true });
  assert.match(webhookPage({ auth: 'none', username: 'acct' }), /uses the username “acct”: saving with this choice removes it/);
  assert.equal(parts(webhookPage({ contentType: 'XML', xmlRoot: 'deal' })).find((p) => p.rule === 'contentType!=XML')?.shown, false, 'no note while XML is chosen');
});

test('webhook: values for another content type or auth are not saved, and the form reports them as dropped', () => {
  const form = TASK_FORMS.webhook;
  const parsed = form.fromBody({ url: 'https://a.example', contentType: 'JSON', auth: 'bearer', xmlRoot: 'deal', username: 'acct', password: 'p', token: 't', applicationToken: 'b' });
  const options = parsed.options as Record<string, unknown>;
  assert.equal(options.xmlRoot, undefined);
  assert.equal(options.username, undefined);
  assert.deepEqual(parsed.secrets, { token: 't' });
  assert.deepEqual(form.dropped!(parsed.values, null), ['xmlRoot', 'username']);
  const kept = form.fromBody({ url: 'https://a.example', contentType: 'XML', auth: 'basic', xmlRoot: 'deal', username: 'acct', password: 'p', applicationToken: 'b' });
  assert.equal((kept.options as Record<string, unknown>).xmlRoot, 'deal');
  assert.deepEqual(kept.secrets, { password: 'p' });
  assert.deepEqual(form.dropped!({ contentType: 'JSON', auth: 'none', xmlRoot: '', username: '' }, { xmlRoot: 'deal', username: '' }), ['xmlRoot'], 'a stored value counts');
});

function workflowPage(values: ReturnType<typeof blankWorkflowValues>, errors: Record<string, string> = {}): string {
  return html('workflow-new', { form: workflowFormView(values, deals, errors), formError: Object.keys(errors).length > 0 });
}

test('workflow: trigger name, answer mode and required $env fields are live only for the http trigger', () => {
  for (const trigger of ['record.created', 'record.updated', 'record.saved', 'record.deleted', 'http']) {
    const live = liveNames(workflowPage({ ...blankWorkflowValues('Deals'), trigger }));
    for (const name of ['triggerName', 'execMode', 'envName', 'envType', 'envRequired']) assert.equal(live.has(name), trigger === 'http', `${trigger}: ${name}`);
    for (const name of ['title', 'trigger', 'status', 'runMode', 'condField']) assert.ok(live.has(name), `${trigger}: ${name}`);
  }
});

test('workflow: HTTP-only values are named before a save drops them, and keepApplicable drops and lists them', () => {
  const v = { ...blankWorkflowValues('Deals'), trigger: 'record.updated', triggerName: 'leadform', execMode: 'async', requiredEnv: [{ name: 'email', type: 'email', required: 'required' }] };
  assert.match(workflowPage(v), /Only HTTP calls use trigger name “leadform”, the async answer mode, 1 required \$env field: saving with this trigger removes them/);
  const kept = keepApplicable(v);
  assert.deepEqual(kept.dropped, ['triggerName', 'execMode', 'requiredEnv']);
  assert.deepEqual([kept.values.triggerName, kept.values.execMode, kept.values.requiredEnv], ['', 'sync', []]);
  assert.deepEqual(keepApplicable({ ...v, trigger: 'http' }).dropped, [], 'the http trigger keeps them');
  const stored = { triggerName: 'old', execMode: 'sync', requiredEnv: [] } as never;
  assert.deepEqual(keepApplicable({ ...blankWorkflowValues('Deals') }, stored).dropped, ['triggerName'], 'a stored trigger name counts');
  assert.deepEqual(keepApplicable({ ...blankWorkflowValues('Deals') }).dropped, [], 'nothing set, nothing to report');
});

test('workflow: an error on an HTTP-only field shows it, whatever the trigger; errors read "Label message"', () => {
  const values = valuesFromForm({ title: '', trigger: 'record.updated', triggerName: 'bad name!' }, 'Deals');
  const page = workflowPage(values, { title: 'is required', triggerName: 'must be 1-64 letters, digits, _ or -', trigger: 'unknown trigger x' });
  assert.ok(liveNames(page).has('triggerName'));
  assert.deepEqual(fieldErrors(page), ['Title is required', 'unknown trigger x', 'Trigger name must be 1-64 letters, digits, _ or -']);
  assert.match(page, /<span id="title-error">is required<\/span>/, 'the message keeps its own element (aria-describedby)');
});
