import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newLeaseOwner } from '../../../module/storage/lease-owner.js';
import { InstallOptions } from '../../../module/config.js';

const KEY = 'a'.repeat(64);

test('each claim gets its own token: the worker id, a tilde and 8 random hex digits', () => {
  const tokens = Array.from({ length: 1000 }, () => newLeaseOwner('web-1'));
  for (const t of tokens) assert.match(t, /^web-1~[0-9a-f]{8}$/);
  assert.equal(new Set(tokens).size, tokens.length, 'no two claims share a token');
});

test('the longest workerId the options allow still fits the 100-character lease_owner columns', () => {
  const longest = 'w'.repeat(90);
  assert.equal(InstallOptions.parse({ secretKey: KEY, workerId: longest }).workerId, longest);
  assert.ok(newLeaseOwner(longest).length <= 100);
  const refused = InstallOptions.safeParse({ secretKey: KEY, workerId: 'w'.repeat(91) });
  assert.equal(refused.success, false);
  assert.deepEqual(
    refused.error?.issues.map((i) => i.path.join('.')),
    ['workerId'],
  );
});
