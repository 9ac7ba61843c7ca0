import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCaptureSample,
  envFieldsOf,
  guessEnvType,
  mapCapturedFields,
  mergeRequiredEnv,
  MAX_CAPTURED_VALUE,
} from '../../../module/inbound/capture-sample.js';
import { hasAllowedSource } from '../../../module/inbound/capture-mode.js';
import type { Permission } from '../../../module/inbound/permissions.js';

test('guessEnvType: email-looking → email, numeric → number, else text', () => {
  assert.equal(guessEnvType('ada@example.com'), 'email');
  assert.equal(guessEnvType(' 42 '), 'number');
  assert.equal(guessEnvType('-1.5'), 'number');
  assert.equal(guessEnvType(7), 'number');
  assert.equal(guessEnvType('12abc'), 'text');
  assert.equal(guessEnvType(''), 'text');
  assert.equal(guessEnvType(null), 'text');
});

test('envFieldsOf offers top-level scalar fields with names a workflow accepts', () => {
  assert.deepEqual(envFieldsOf({ email: 'a@b.co', 'bad name': 'x', items: [1], contact: { a: 1 }, n: '3' }), [
    { name: 'email', type: 'email', required: true },
    { name: 'n', type: 'number', required: true },
  ]);
});

test('mergeRequiredEnv keeps declared fields as they are and adds the rest', () => {
  const r = mergeRequiredEnv(
    [{ name: 'email', type: 'text', required: false }],
    [
      { name: 'email', type: 'email', required: true },
      { name: 'age', type: 'number', required: true },
    ],
  );
  assert.deepEqual(r.requiredEnv, [
    { name: 'email', type: 'text', required: false },
    { name: 'age', type: 'number', required: true },
  ]);
  assert.deepEqual(r.added, ['age']);
});

test('buildCaptureSample truncates values and keeps the content type and source', () => {
  const s = buildCaptureSample({
    ip: '203.0.113.7',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    env: { long: 'x'.repeat(5000), nested: { a: ['y'.repeat(2000)] } },
  });
  assert.equal(s.source, '203.0.113.7');
  assert.equal(s.contentType, 'application/json');
  assert.equal((s.fields.long as string).length, MAX_CAPTURED_VALUE);
  assert.equal(((s.fields.nested as { a: string[] }).a[0] as string).length, MAX_CAPTURED_VALUE);
  assert.deepEqual(s.headers, { 'content-type': 'application/json' });
});

test('hasAllowedSource: an address or a token', () => {
  const p = { sources: [], hasToken: false } as unknown as Permission;
  assert.equal(hasAllowedSource(p), false);
  assert.equal(hasAllowedSource({ ...p, hasToken: true }), true);
  const listed = { ...p, sources: [{ text: '127.0.0.1' }] } as unknown as Permission;
  assert.equal(hasAllowedSource(listed), true);
  assert.equal(hasAllowedSource({ ...listed, requireIpAndToken: true }), false, 'both required, no token');
  assert.equal(hasAllowedSource({ ...p, hasToken: true, requireIpAndToken: true }), false, 'both required, no address');
});

test('mapCapturedFields adds rows for unmapped module fields only, and leaves other options alone', () => {
  const options = { module: 'Leads', fields: [{ field: 'lastname', value: 'x' }] };
  const fieldsOf = (m: string) => (m === 'Leads' ? ['firstname', 'lastname', 'email'] : []);
  const r = mapCapturedFields(options, ['lastname', 'firstname', 'shoe_size'], fieldsOf);
  assert.deepEqual(r.added, ['firstname']);
  assert.deepEqual(r.options, {
    module: 'Leads',
    fields: [
      { field: 'lastname', value: 'x' },
      { field: 'firstname', value: '$env["firstname"]' },
    ],
  });
  assert.equal(mapCapturedFields(options, ['shoe_size'], fieldsOf).options, options, 'unchanged when nothing added');
  assert.deepEqual(mapCapturedFields(null, ['a'], fieldsOf).added, []);
});
