import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexWorkflows } from '../../../module/workflows/workflow-catalog.js';
import type { Workflow } from '../../../module/workflows/model.js';

const base: Workflow = {
  id: 1,
  module: 'Deals',
  title: 'w',
  description: null,
  status: 'active',
  trigger: 'record.updated',
  triggerName: null,
  conditions: { join: 'all', conditions: [] },
  runMode: 'every_event',
  execMode: 'sync',
  requiredEnv: [],
  ownerUserId: null,
  createdAt: 0,
  updatedAt: 0,
  tasks: [],
};

test('workflows are indexed as the store selected them: by id, http ones by trigger name (any status), active record ones by module', () => {
  const index = indexWorkflows([
    { ...base, id: 1 },
    { ...base, id: 2, status: 'inactive' },
    { ...base, id: 3, trigger: 'http', triggerName: 'lead', module: 'Leads' },
    { ...base, id: 4, trigger: 'http', triggerName: 'lead', status: 'draft', module: 'Leads' },
    { ...base, id: 5, triggerName: 'lead' },
  ]);
  assert.deepEqual([...index.byId.keys()], [1, 2, 3, 4, 5]);
  assert.deepEqual(
    index.byTriggerName.get('lead')?.map((w) => w.id),
    [3, 4],
    'a name left on a record workflow never starts it',
  );
  assert.deepEqual(
    index.activeRecordByModule.get('Deals')?.map((w) => w.id),
    [1, 5],
  );
  assert.equal(index.activeRecordByModule.get('Leads'), undefined, 'http workflows are not started by saves');
});

test('indexed workflows and their tasks are frozen', () => {
  const index = indexWorkflows([
    {
      ...base,
      tasks: [
        {
          id: 9,
          workflowId: 1,
          position: 0,
          type: 'set_env',
          title: 't',
          description: null,
          options: { values: [] },
          sealedSecrets: null,
          disabledAt: null,
          disabledReason: null,
        },
      ],
    },
  ]);
  const wf = index.byId.get(1)!;
  assert.throws(() => {
    wf.status = 'inactive';
  }, TypeError);
  assert.throws(() => {
    (wf.tasks[0].options as { values: unknown[] }).values.push(1);
  }, TypeError);
});
