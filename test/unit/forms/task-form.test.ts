/** What every task form shares: value suggestions and the common fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../module/host.js';
import { commonFromBody, valueReferences } from '../../../module/forms/task-form.js';

const modules: ModuleInfo[] = [
  {
    name: 'Deals',
    label: 'Deals',
    fields: [
      { name: 'title', label: 'Title', type: 'text' },
      { name: 'stage', label: 'Stage', type: 'picklist', options: ['Open'] },
    ],
  },
];
const workflow = { module: 'Deals', requiredEnv: [{ name: 'email', type: 'email' as const, required: true }] };

test('value references: the record id, the module fields, then the required $env fields', () => {
  const refs = valueReferences(workflow, modules).map((r) => r.value);
  assert.deepEqual(refs.slice(0, 4), ['{{record.id}}', '{{record.title}}', '{{record.stage}}', '{{env.email}}']);
});

test('common fields: a blank description is none', () => {
  assert.deepEqual(commonFromBody({ title: 'T', description: '  ' }), { title: 'T', description: null });
  assert.deepEqual(commonFromBody({ title: 'T', description: ' about ' }), { title: 'T', description: 'about' });
});
