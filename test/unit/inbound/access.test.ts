import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAccess } from '../../../module/inbound/access.js';
import { parseSourceList } from '../../../module/inbound/allowlist.js';
import { hashToken } from '../../../module/inbound/tokens.js';
import type { Permission } from '../../../module/inbound/permissions.js';

const TOKEN = 'hft_secret_value_1234567890';

function perm(over: Partial<Permission> & { lines?: string }): Permission {
  return {
    id: 1,
    title: 't',
    workflowId: 1,
    triggerName: null,
    sources: parseSourceList(over.lines ?? '').entries,
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
    ...over,
  };
}
const withToken = (over: Partial<Permission> & { lines?: string } = {}) =>
  perm({ hasToken: true, tokenHash: hashToken(TOKEN), ...over });

test('no permission, or only disabled ones: deny', () => {
  assert.equal(decideAccess([], '127.0.0.1', undefined).allowed, false);
  assert.equal(decideAccess([perm({ lines: '127.0.0.1', enabled: false })], '127.0.0.1', undefined).allowed, false);
});

test('a matching source allows; an IPv6 client against an IPv4-only list is denied', () => {
  assert.equal(decideAccess([perm({ lines: '127.0.0.1' })], '127.0.0.1', undefined).allowed, true);
  assert.equal(decideAccess([perm({ lines: '127.0.0.1' })], '::1', undefined).allowed, false);
  assert.equal(decideAccess([perm({ lines: '127.0.0.1' })], '::ffff:127.0.0.1', undefined).allowed, true);
});

test('a valid token allows from anywhere; a wrong token denies even from an allowed source', () => {
  assert.equal(decideAccess([withToken()], '198.51.100.1', TOKEN).allowed, true);
  assert.equal(decideAccess([withToken({ lines: '127.0.0.1' })], '127.0.0.1', 'hft_wrong').allowed, false);
  assert.equal(decideAccess([withToken({ lines: '127.0.0.1' })], '127.0.0.1', undefined).allowed, true);
});

test('require IP and token: both or nothing', () => {
  const p = withToken({ lines: '10.0.0.0/8', requireIpAndToken: true });
  assert.equal(decideAccess([p], '10.1.2.3', TOKEN).allowed, true);
  assert.equal(decideAccess([p], '10.1.2.3', undefined).allowed, false);
  assert.equal(decideAccess([p], '192.0.2.1', TOKEN).allowed, false);
});

test('the first permission that allows wins, by id', () => {
  const d = decideAccess(
    [perm({ id: 5, lines: '0.0.0.0/0' }), perm({ id: 2, lines: '127.0.0.1' })],
    '127.0.0.1',
    undefined,
  );
  assert.ok(d.allowed && d.permission.id === 2);
});

test('a permission whose stored sources are unreadable grants nothing', () => {
  const broken = perm({
    sources: [{ kind: 'cidr', family: 'ipv4', text: 'x', network: 'not-an-ip', prefix: 8 }] as never,
  });
  assert.equal(decideAccess([broken], '10.0.0.1', undefined).allowed, false);
});
