/** Task options are strict: an unknown option is a 422 naming it, never silently dropped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';
import { validateWorkflowInput } from '../../../module/workflows/validate.js';
import { HookflowSettings } from '../../../module/config.js';
import type { ModuleInfo } from '../../../module/host.js';

const modules: ModuleInfo[] = [
  { name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }] },
];
const valid: Record<string, Record<string, unknown>> = {
  webhook: { url: 'https://acct.example/in' },
  create_record: { module: 'Deals', fields: [{ field: 'title', value: 'x' }] },
  update_record: { fields: [{ field: 'title', value: 'x' }] },
  send_email: { to: { kind: 'owner' }, subject: 's', body: 'b' },
  set_env: { values: [{ name: 'a', value: 1 }] },
  respond: { body: { ok: true } },
};

test('every task type refuses an unknown option, at the top and in nested rows', () => {
  const registry = createTaskRegistry();
  assert.deepEqual(Object.keys(valid).sort(), [...registry.keys()].sort(), 'every registered type is covered');
  for (const [type, options] of Object.entries(valid)) {
    const def = registry.get(type)!;
    assert.equal(def.options.safeParse(options).success, true, `${type}: the base case is valid`);
    const extra = def.options.safeParse({ ...options, responseMap: [{ path: '$.id', field: 'x' }] });
    assert.equal(extra.success, false, `${type}: responseMap refused`);
    assert.match(JSON.stringify(extra.error?.issues), /responseMap/, `${type}: the option is named`);
  }
  assert.equal(
    registry
      .get('webhook')!
      .options.safeParse({ url: 'https://a.example', headers: [{ name: 'X-A', value: 'b', secret: true }] }).success,
    false,
    'a nested row too',
  );
});

test('through workflow validation the 422 names the task and the option', () => {
  const deps = {
    modules,
    taskTypes: createTaskRegistry(),
    checkTemplate: () => null,
    settings: HookflowSettings.parse({}),
  };
  assert.throws(
    () =>
      validateWorkflowInput(
        {
          module: 'Deals',
          title: 't',
          trigger: 'record.created',
          tasks: [{ type: 'webhook', title: 'w', options: { url: 'https://a.example', responseMap: [] } }],
        },
        deps,
      ),
    (err: Error & { fields?: Record<string, string> }) => {
      const entry = Object.entries(err.fields ?? {}).find(([k]) => k.startsWith('tasks.0.options'));
      assert.ok(entry, JSON.stringify(err.fields));
      assert.match(entry.join(' '), /responseMap/, 'the field path or the message names the option');
      return true;
    },
  );
});

test('a workflow that fails its own schema still gets every task error in the same 422', () => {
  const deps = {
    modules,
    taskTypes: createTaskRegistry(),
    checkTemplate: () => null,
    settings: HookflowSettings.parse({}),
  };
  assert.throws(
    () =>
      validateWorkflowInput(
        {
          module: 'Deals',
          title: '',
          trigger: 'record.created',
          tasks: [{ type: 'webhook', title: 'w', options: { url: 'https://a.example', bogus: 1 } }],
        },
        deps,
      ),
    (err: Error & { fields?: Record<string, string> }) => {
      const keys = Object.keys(err.fields ?? {});
      assert.ok(keys.includes('title'), keys.join());
      assert.ok(
        keys.some((k) => k.startsWith('tasks.0.options')),
        `the task error is reported too: ${keys.join()}`,
      );
      return true;
    },
  );
});
