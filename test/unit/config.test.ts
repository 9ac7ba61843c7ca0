import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../module/config.js';

test('a lease no longer than a request is refused, naming leaseSeconds', () => {
  assert.throws(() => resolveSettings({ leaseSeconds: 5, requestTimeoutMs: 5000 }), /setting leaseSeconds: must be longer than requestTimeoutMs/);
  assert.equal(resolveSettings({ leaseSeconds: 6, requestTimeoutMs: 5000 }).leaseSeconds, 6);
});

test('proxy and allowlist settings are parsed strictly at start-up', () => {
  assert.throws(() => resolveSettings({ trustedProxies: ['0.0.0.0/0'] }), /setting trustedProxies/);
  assert.throws(() => resolveSettings({ outboundAllowlist: ['10.1'] }), /setting outboundAllowlist/);
  assert.deepEqual(resolveSettings({ trustedProxies: ['2'] }).trustedProxies, ['2']);
});
