import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../module/config.js';

const SHORT_TASKS = { mailTimeoutMs: 3000, recordCallTimeoutMs: 3000 };

test('a lease no longer than a request is refused, naming leaseSeconds', () => {
  assert.throws(
    () => resolveSettings({ leaseSeconds: 5, requestTimeoutMs: 5000, ...SHORT_TASKS }),
    /setting leaseSeconds: must be longer than requestTimeoutMs \(5000 ms\)/,
  );
  assert.equal(resolveSettings({ leaseSeconds: 6, requestTimeoutMs: 5000, ...SHORT_TASKS }).leaseSeconds, 6);
});

test("a lease no longer than a task type's timeout is refused, naming the setting", () => {
  assert.throws(
    () => resolveSettings({ leaseSeconds: 30 }),
    /^HookflowError: setting leaseSeconds: must be longer than mailTimeoutMs \(30000 ms\)$/m,
  );
  assert.throws(
    () =>
      resolveSettings({ leaseSeconds: 10, requestTimeoutMs: 2000, mailTimeoutMs: 2000, recordCallTimeoutMs: 10_000 }),
    /must be longer than recordCallTimeoutMs \(10000 ms\)/,
  );
  // The largest timeout is named: the one that needs the longer lease.
  assert.throws(
    () => resolveSettings({ leaseSeconds: 5, requestTimeoutMs: 6000, mailTimeoutMs: 9000, recordCallTimeoutMs: 7000 }),
    /must be longer than mailTimeoutMs \(9000 ms\)/,
  );
  const defaults = resolveSettings({});
  assert.deepEqual(
    [defaults.leaseSeconds, defaults.requestTimeoutMs, defaults.mailTimeoutMs, defaults.recordCallTimeoutMs],
    [60, 15_000, 30_000, 15_000],
  );
  assert.equal(resolveSettings({ leaseSeconds: 31 }).leaseSeconds, 31);
});

test('proxy and allowlist settings are parsed strictly at start-up', () => {
  assert.throws(() => resolveSettings({ trustedProxies: ['0.0.0.0/0'] }), /setting trustedProxies/);
  assert.throws(() => resolveSettings({ outboundAllowlist: ['10.1'] }), /setting outboundAllowlist/);
  assert.deepEqual(resolveSettings({ trustedProxies: ['2'] }).trustedProxies, ['2']);
});
