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

test('value references offer the fields of related records, one and two hops away', () => {
  const withRefs: ModuleInfo[] = [
    {
      name: 'Deals',
      label: 'Deals',
      fields: [
        { name: 'title', label: 'Title', type: 'text' },
        { name: 'contact_id', label: 'Contact', type: 'reference', references: 'Contacts' },
      ],
    },
    {
      name: 'Contacts',
      label: 'Contacts',
      fields: [
        { name: 'name', label: 'Name', type: 'text' },
        { name: 'account_id', label: 'Account', type: 'reference', references: 'Accounts' },
      ],
    },
    { name: 'Accounts', label: 'Accounts', fields: [{ name: 'city', label: 'City', type: 'text' }] },
  ];
  const refs = valueReferences({ module: 'Deals', requiredEnv: [] }, withRefs);
  const related = refs.filter((r) => r.value.startsWith('{{record.contact.'));
  assert.deepEqual(related, [
    { value: '{{record.contact.name}}', label: 'Deals: Contact › Name' },
    { value: '{{record.contact.account_id}}', label: 'Deals: Contact › Account' },
    { value: '{{record.contact.account.city}}', label: 'Deals: Contact › Account › City' },
  ]);
});
