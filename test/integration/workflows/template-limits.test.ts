/**
 * Template nesting limit through the management API: a too-deep template is refused at save
 * (POST and PUT) with a 422 naming the field, before Handlebars' parser sees it, and nothing
 * is written; a template at the limit is saved.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Handlebars from 'handlebars';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

/** `{{#if a}}` × n (short, so 600 levels fit the 10000-character limit) around `{{record.title}}`. */
const nestedIfs = (n: number) => '{{#if a}}'.repeat(n) + '{{record.title}}' + '{{/if}}'.repeat(n);

function workflow(url: string, envValue: string) {
  return {
    module: 'Deals',
    title: 'Nesting',
    status: 'draft',
    trigger: 'record.updated',
    tasks: [
      { type: 'webhook', title: 'hook', options: { url: `https://example.com/${url}` } },
      { type: 'set_env', title: 'env', options: { values: [{ name: 'x', value: envValue }] } },
    ],
  };
}

/** The templates Handlebars' (process-wide) parser is given while the test runs. */
function parsedTemplates(t: TestContext): () => string[] {
  const parser = (Handlebars as unknown as { Parser: { parse(input: string): unknown } }).Parser;
  const spy = t.mock.method(parser, 'parse');
  t.after(() => spy.mock.restore());
  return () => spy.mock.calls.map((call) => String(call.arguments[0]));
}

describeEachEngine('template nesting limit through the management API', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  before(async () => {
    h = await createTestHost(tdb().db);
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    await h.close();
  });

  test('POST: 600-deep templates get a 422 naming each field, unparsed, and nothing is saved', async (t) => {
    const parsed = parsedTemplates(t);
    const deep = nestedIfs(600);
    assert.ok(deep.length <= 10_000, 'within the length limit: only depth refuses it');
    const res = await api.call('POST', '/workflows', workflow(nestedIfs(21), deep));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    const fields = res.body.error.fields as Record<string, string>;
    assert.match(fields['tasks.0.options.url'] ?? '', /templates may nest blocks at most 20 deep/);
    assert.match(fields['tasks.1.options.values.0.value'] ?? '', /templates may nest blocks at most 20 deep/);
    assert.ok(
      parsed().every((template) => !template.includes('{{#if')),
      'the parser never saw the deep templates',
    );
    assert.equal((await api.call('GET', '/workflows')).body.workflows.length, 0);
  });

  test('20 deep is saved; PUT with a 600-deep template is refused and keeps the stored one', async () => {
    const created = await api.call('POST', '/workflows', workflow(nestedIfs(20), nestedIfs(20)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.workflow.id;
    const res = await api.call('PUT', `/workflows/${id}`, workflow('plain', nestedIfs(600)));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.match(res.body.error.fields['tasks.1.options.values.0.value'] ?? '', /at most 20 deep/);
    const stored = (await api.call('GET', `/workflows/${id}`)).body.workflow;
    assert.equal(stored.tasks[1].options.values[0].value, nestedIfs(20));
    assert.equal((await api.call('DELETE', `/workflows/${id}`)).status, 204);
  });
});
