import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexPermissions } from '../../../module/inbound/permission-catalog.js';
import { hashToken } from '../../../module/inbound/tokens.js';
import type { Permission } from '../../../module/inbound/permissions.js';

const base: Permission = {
  id: 1,
  title: 'p',
  workflowId: null,
  triggerName: null,
  sources: [],
  hasToken: false,
  tokenHint: null,
  tokenHash: null,
  requireIpAndToken: false,
  runAsUserId: null,
  enabled: true,
  rateLimitPerMinute: null,
  queryAsEnv: false,
  honeypotField: null,
  externalSystem: null,
  captureUntil: null,
  createdAt: 0,
  updatedAt: 0,
};

test('permissions are indexed by workflow, by trigger name and by token hash; disabled ones not at all', () => {
  const index = indexPermissions([
    { ...base, id: 1, workflowId: 7 },
    { ...base, id: 2, workflowId: 7, tokenHash: hashToken('t1') },
    { ...base, id: 3, triggerName: 'lead', tokenHash: hashToken('t1') },
    { ...base, id: 4, triggerName: 'lead', enabled: false, tokenHash: hashToken('t2') },
  ]);
  assert.deepEqual(
    index.byWorkflow.get(7)?.map((p) => p.id),
    [1, 2],
  );
  assert.deepEqual(
    index.byTrigger.get('lead')?.map((p) => p.id),
    [3],
  );
  assert.equal(
    index.byTokenHash.get(hashToken('t1'))?.id,
    2,
    'a token held twice selects the lowest id, as the query did',
  );
  assert.equal(index.byTokenHash.get(hashToken('t2')), undefined, "a disabled permission's token selects nothing");
});

test('indexed permissions are frozen: a caller cannot widen what others are served', () => {
  const index = indexPermissions([
    { ...base, workflowId: 7, sources: [{ kind: 'single', family: 'ipv4', text: '10.0.0.1', address: '10.0.0.1' }] },
  ]);
  const p = index.byWorkflow.get(7)![0];
  assert.throws(() => {
    (p as { enabled: boolean }).enabled = false;
  }, TypeError);
  assert.throws(() => {
    (p.sources as unknown[]).push({ kind: 'any4', family: 'ipv4', text: '0.0.0.0/0' });
  }, TypeError);
});
