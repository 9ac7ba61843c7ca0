/**
 * The webhook form as rendered by the real templates: only what applies to the chosen content
 * type and authorization is live (shown and posted); the rest is there for the script, hidden
 * and disabled. Values that a save would drop are named, and a part with an error is never
 * hidden. Errors carry the field's label ("XML root element must be …").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../../../module/host.js';
import { COMMON_LABELS } from '../../../../../module/forms/task-form.js';
import { errorSubjects } from '../../../../../module/forms/form-values.js';
import { webhookForm } from '../../../../../module/workflows/tasks/webhook/form.js';
import { controls, fieldErrors, liveNames, parts } from '../../../admin/form-html.js';
import { pageRenderer } from '../../../admin/render-page.js';

const deals: ModuleInfo = { name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }] };
const html = pageRenderer();

const wf = { id: 1, title: 'W', module: 'Deals', requiredEnv: [] };

function webhookPage(values: Record<string, unknown>, errors: Record<string, string> = {}): string {
  const form = webhookForm;
  const v = { ...form.blank({ workflow: wf }), ...values };
  const view = form.view(v, { workflow: wf, modules: [deals], users: [], secretsSet: [], errors });
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
    subjects: errorSubjects(errors, { ...COMMON_LABELS, ...form.labels }),
    refreshable: true,
    otherErrors: [],
    formError: Object.keys(errors).length > 0,
  });
}

test('webhook: the XML root shows only for XML, the Bitrix24 token only for BITRIX24, each body hint only for its type', () => {
  const types = ['JSON', 'JSONARRAY', 'XML', 'FORM', 'BITRIX24', 'ENVELOPE'];
  for (const contentType of types) {
    const page = webhookPage({ contentType });
    const live = liveNames(page);
    assert.equal(live.has('xmlRoot'), contentType === 'XML', `${contentType}: xmlRoot`);
    assert.equal(live.has('applicationToken'), contentType === 'BITRIX24', `${contentType}: applicationToken`);
    assert.ok(
      controls(page).some((c) => c.name === 'xmlRoot'),
      'the XML root is on the page for the script, just not live',
    );
    // XML and BITRIX24 show their field and their hint; the others only their hint.
    const shownRules = parts(page)
      .filter((p) => p.shown && p.rule.startsWith('contentType='))
      .map((p) => p.rule);
    const own = `contentType=${contentType}`;
    assert.deepEqual(
      shownRules,
      ['XML', 'BITRIX24'].includes(contentType) ? [own, own] : [own],
      `${contentType}: shown parts`,
    );
  }
  assert.match(webhookPage({ contentType: 'BITRIX24' }), /parameters go under data\[FIELDS\]/);
});

test('webhook: Basic shows username and password, bearer the token, none neither', () => {
  const live = (auth: string) =>
    [...liveNames(webhookPage({ auth }))].filter((n) => ['username', 'password', 'token'].includes(n)).sort();
  assert.deepEqual(live('none'), []);
  assert.deepEqual(live('basic'), ['password', 'username']);
  assert.deepEqual(live('bearer'), ['token']);
});

test('webhook: a part with an error stays visible; a set value another choice would drop is named', () => {
  const page = webhookPage(
    { contentType: 'JSON', xmlRoot: 'deal', auth: 'none', username: 'acct' },
    { xmlRoot: 'must be at most 100 characters' },
  );
  assert.ok(liveNames(page).has('xmlRoot'), 'the field with the error is shown');
  assert.ok(fieldErrors(page).includes('XML root element must be at most 100 characters'));
  const note = parts(webhookPage({ contentType: 'JSON', xmlRoot: 'deal' })).find((p) => p.rule === 'contentType!=XML');
  assert.deepEqual(note, { rule: 'contentType!=XML', shown: true });
  assert.match(
    webhookPage({ auth: 'none', username: 'acct' }),
    /uses the username “acct”: saving with this choice removes it/,
  );
  assert.equal(
    parts(webhookPage({ contentType: 'XML', xmlRoot: 'deal' })).find((p) => p.rule === 'contentType!=XML')?.shown,
    false,
    'no note while XML is chosen',
  );
});

test('webhook: values for another content type or auth are not saved, and the form reports them as dropped', () => {
  const form = webhookForm;
  const parsed = form.fromBody({
    url: 'https://a.example',
    contentType: 'JSON',
    auth: 'bearer',
    xmlRoot: 'deal',
    username: 'acct',
    password: 'p',
    token: 't',
    applicationToken: 'b',
  });
  const options = parsed.options as Record<string, unknown>;
  assert.equal(options.xmlRoot, undefined);
  assert.equal(options.username, undefined);
  assert.deepEqual(parsed.secrets, { token: 't' });
  assert.deepEqual(form.dropped!(parsed.values, null), ['xmlRoot', 'username']);
  const kept = form.fromBody({
    url: 'https://a.example',
    contentType: 'XML',
    auth: 'basic',
    xmlRoot: 'deal',
    username: 'acct',
    password: 'p',
    applicationToken: 'b',
  });
  assert.equal((kept.options as Record<string, unknown>).xmlRoot, 'deal');
  assert.deepEqual(kept.secrets, { password: 'p' });
  assert.deepEqual(
    form.dropped!({ contentType: 'JSON', auth: 'none', xmlRoot: '', username: '' }, { xmlRoot: 'deal', username: '' }),
    ['xmlRoot'],
    'a stored value counts',
  );
});
