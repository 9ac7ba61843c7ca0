import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../module/host.js';
import {
  blankWorkflowValues,
  toWorkflowInput,
  valuesFromForm,
  valuesFromWorkflow,
  workflowFormView,
} from '../../../module/admin/pages/workflow-form.js';
import { WorkflowInput } from '../../../module/workflows/model.js';

const deals: ModuleInfo = {
  name: 'Deals',
  label: 'Deals',
  fields: [
    { name: 'stage', label: 'Sales stage', type: 'picklist', options: ['Open', 'Won'] },
    { name: 'amount', label: 'Amount', type: 'number' },
  ],
};

const post = {
  title: ' Won deals ',
  description: '',
  status: 'active',
  trigger: 'record.updated',
  triggerName: ' ',
  join: 'any',
  runMode: 'every_event',
  execMode: 'async',
  condField: ['stage', '', 'amount'],
  condOp: ['changed_to', 'equals', 'is_not_empty'],
  condValue: ['Won', '', 'ignored'],
  envName: ['lastname', ''],
  envType: ['text', 'text'],
  envRequired: ['optional', 'required'],
};

test('a posted form becomes valid workflow input: blank rows dropped, value-less ops lose their value', () => {
  const values = valuesFromForm(post, 'Deals');
  const input = toWorkflowInput(values, []);
  assert.deepEqual(input.conditions, {
    join: 'any',
    conditions: [
      { field: 'stage', op: 'changed_to', value: 'Won' },
      { field: 'amount', op: 'is_not_empty' },
    ],
  });
  assert.deepEqual(input.requiredEnv, [{ name: 'lastname', type: 'text', required: false }]);
  assert.equal(input.triggerName, null);
  assert.equal(input.description, null);
  const parsed = WorkflowInput.safeParse(input);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.equal(parsed.data.title, 'Won deals');
});

test('a stored workflow round-trips through the form', () => {
  const input = WorkflowInput.parse(toWorkflowInput(valuesFromForm(post, 'Deals'), []));
  const wf = {
    ...input,
    id: 1,
    ownerUserId: null,
    createdAt: 0,
    updatedAt: 0,
    description: null,
    triggerName: null,
    tasks: [],
  };
  const again = toWorkflowInput(valuesFromWorkflow(wf as never), []);
  assert.deepEqual(again.conditions, input.conditions);
  assert.deepEqual(again.requiredEnv, input.requiredEnv);
});

test('the view marks choices, keeps unknown fields visible, puts errors on their row and adds blank rows', () => {
  const values = valuesFromForm(
    { ...post, condField: ['stage', 'gone'], condOp: ['changed_to', 'equals'], condValue: ['Won', 'x'] },
    'Deals',
  );
  const view = workflowFormView(values, deals, {
    'conditions.1.field': 'Unknown field "gone"',
    'conditions.conditions.0.value': 'bad',
    triggerName: 'nope',
  });
  assert.equal(view.conditionRows.length, 4, 'two rows + two blank');
  assert.deepEqual(view.conditionRows[0].errors, { value: 'bad' });
  assert.deepEqual(view.conditionRows[1].errors, { field: 'Unknown field "gone"' });
  assert.deepEqual(
    view.conditionRows[1].fields.find((f) => f.selected),
    { value: 'gone', label: 'gone', selected: true },
  );
  assert.equal(view.conditionRows[0].ops.find((o) => o.selected)?.value, 'changed_to');
  assert.equal(view.triggers.find((t) => t.selected)?.value, 'record.updated');
  assert.equal(view.errors.triggerName, 'nope');
});

test("condition rows offer the related records' fields after the module's own, picklists included", () => {
  const accounts: ModuleInfo = {
    name: 'Accounts',
    label: 'Accounts',
    fields: [{ name: 'industry', label: 'Industry', type: 'picklist', options: ['Retail', 'Finance'] }],
  };
  const withAccount: ModuleInfo = {
    ...deals,
    fields: [...deals.fields, { name: 'account_id', label: 'Account', type: 'reference', references: 'Accounts' }],
  };
  const values = {
    ...blankWorkflowValues('Deals'),
    conditions: [{ field: 'account.industry', op: 'equals', value: 'Retail' }],
  };
  const view = workflowFormView(values, withAccount, {}, [withAccount, accounts]);
  const row = view.conditionRows[0];
  assert.deepEqual(
    row.fields.map((f) => f.value),
    ['stage', 'amount', 'account_id', 'account.industry'],
  );
  assert.equal(row.fields.find((f) => f.selected)?.label, 'Account › Industry');
  assert.deepEqual(
    row.valueOptions?.map((o: { value: string }) => o.value),
    ['', 'Retail', 'Finance'],
  );
});
