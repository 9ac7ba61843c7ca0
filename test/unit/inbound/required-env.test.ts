import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequiredEnv } from '../../../module/inbound/required-env.js';

const f = (name: string, type: 'text' | 'number' | 'datetime' | 'email', required = true) => ({ name, type, required });

test('required fields must be present and not blank', () => {
  assert.deepEqual(checkRequiredEnv([f('lastname', 'text')], {}), { lastname: 'is required' });
  assert.deepEqual(checkRequiredEnv([f('lastname', 'text')], { lastname: '  ' }), { lastname: 'is required' });
  assert.deepEqual(checkRequiredEnv([f('lastname', 'text')], { lastname: 'Doe' }), {});
});

test('optional fields are checked only when given', () => {
  assert.deepEqual(checkRequiredEnv([f('email', 'email', false)], {}), {});
  assert.ok(checkRequiredEnv([f('email', 'email', false)], { email: 'nope' }).email);
});

test('number', () => {
  for (const ok of ['12', '-3.5', '1e3', 7])
    assert.deepEqual(checkRequiredEnv([f('n', 'number')], { n: ok }), {}, String(ok));
  for (const bad of ['12abc', 'NaN', '', '1,5', ['1']])
    assert.ok(checkRequiredEnv([f('n', 'number')], { n: bad }).n, String(bad));
});

test('datetime', () => {
  for (const ok of ['2026-11-23', '2026-11-23T10:00', '2026-11-23T10:00:00Z', '2026-11-23 10:00:00+01:00'])
    assert.deepEqual(checkRequiredEnv([f('d', 'datetime')], { d: ok }), {}, ok);
  for (const bad of ['23.11.2026', '2026-13-45', 'tomorrow'])
    assert.ok(checkRequiredEnv([f('d', 'datetime')], { d: bad }).d, bad);
});

test('email: one plain address, no header tricks', () => {
  assert.deepEqual(checkRequiredEnv([f('e', 'email')], { e: 'jane@example.com' }), {});
  for (const bad of ['a@b', 'x@example.com\r\nBcc: y@example.com', 'a@example.com, b@example.com'])
    assert.ok(checkRequiredEnv([f('e', 'email')], { e: bad }).e, bad);
});

test('a field named like an Object.prototype member is not found on the prototype', () => {
  assert.deepEqual(checkRequiredEnv([f('toString', 'text')], {}), { toString: 'is required' });
});
