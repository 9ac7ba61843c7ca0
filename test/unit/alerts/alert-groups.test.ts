import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertGroupOf, groupAlerts, groupKeyText } from '../../../module/alerts/alert-digest.js';

const delivery = (id: number, taskId: number | null) => ({ id, runId: null, taskId, workflowId: null });
const run = (id: number, workflowId: number | null) => ({ id, runId: 100 + id, taskId: null, workflowId });

test('a delivery alert belongs to its webhook task, a run alert to its workflow', () => {
  assert.deepEqual(alertGroupOf(delivery(1, 7)), { kind: 'delivery', taskId: 7 });
  assert.deepEqual(alertGroupOf(run(2, 7)), { kind: 'run', workflowId: 7 });
  assert.equal(groupKeyText(alertGroupOf(delivery(1, 7))), 'task:7');
  assert.equal(groupKeyText(alertGroupOf(delivery(1, null))), 'task:-');
  assert.equal(groupKeyText(alertGroupOf(run(1, 7))), 'workflow:7');
  assert.equal(groupKeyText(alertGroupOf(run(1, null))), 'workflow:-');
});

test('runs and deliveries never share a group, even with the same number', () => {
  const rows = [delivery(1, 3), run(2, 3), delivery(3, 3), run(4, 3), run(5, 4), delivery(6, null), run(7, null)];
  assert.deepEqual(
    groupAlerts(rows, 10, 10).map((g) => g.map((r) => r.id)),
    [[1, 3], [2, 4], [5], [6], [7]],
  );
});

test('the group and size caps hold across kinds', () => {
  const rows = [run(1, 3), delivery(2, 3), run(3, 3), run(4, 3), delivery(5, 9)];
  assert.deepEqual(
    groupAlerts(rows, 2, 2).map((g) => g.map((r) => r.id)),
    [[1, 3], [2]],
  );
});
