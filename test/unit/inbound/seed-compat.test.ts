/** The seed callers' token and id spellings, rule by rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPresentedToken } from '../../../module/inbound/tokens.js';
import { clientMutationIdOf, idempotencyKeyOf } from '../../../module/inbound/idempotency.js';

test('a bare Authorization value is a token; scheme words without credentials and other schemes are not', () => {
  const cases: Array<[string, string | undefined]> = [
    ['hft_abc', 'hft_abc'],
    ['  hft_abc  ', 'hft_abc'],
    ['Bearer hft_abc', 'hft_abc'],
    ['Bearer', undefined],
    ['bearer ', undefined],
    ['Basic', undefined],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Digest username="x"', undefined],
    ['hft_a hft_b', undefined],
    ['', undefined],
  ];
  for (const [authorization, expected] of cases)
    assert.equal(extractPresentedToken({ authorization }), expected, JSON.stringify(authorization));
  assert.equal(
    extractPresentedToken({ authorization: 'Basic dXNlcjpwYXNz', headerToken: 'hdr' }),
    'hdr',
    'falls through to the next source',
  );
});

test('clientMutationId: top level first, then args.input; own properties only', () => {
  assert.equal(clientMutationIdOf({ clientMutationId: 'top', args: { input: { clientMutationId: 'nested' } } }), 'top');
  assert.equal(clientMutationIdOf({ args: { input: { clientMutationId: 'nested' } } }), 'nested');
  assert.equal(clientMutationIdOf({ args: { input: {} } }), undefined);
  assert.equal(clientMutationIdOf({ args: 'x' }), undefined);
  assert.equal(clientMutationIdOf({ args: null }), undefined);
  assert.equal(clientMutationIdOf({}), undefined);
  const inherited = Object.create({ clientMutationId: 'proto' }) as Record<string, unknown>;
  assert.equal(clientMutationIdOf({ args: { input: inherited } }), undefined, 'never an inherited value');
  assert.equal(idempotencyKeyOf({}, { args: { input: { clientMutationId: 'k-1' } } }), 'k-1');
  assert.throws(() => idempotencyKeyOf({}, { args: { input: { clientMutationId: ['a'] } } }), /idempotency key/);
  assert.equal(idempotencyKeyOf({ 'idempotency-key': 'hdr' }, { clientMutationId: 'body' }), 'hdr', 'the header wins');
});
