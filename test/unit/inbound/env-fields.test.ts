import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, forbiddenSegment, toInertEnv } from '../../../module/inbound/env-fields.js';
import { HookflowError } from '../../../module/errors.js';

const limits = { maxFields: 5, maxDepth: 2, maxNameLength: 10 };
const statusOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HookflowError);
    return err.status;
  }
  return 0;
};

test('copies plain data into fresh objects', () => {
  const src = JSON.parse('{"a":"1","b":{"c":[1,true,null]}}');
  const env = toInertEnv(src, limits);
  assert.deepEqual(env, src);
  assert.notEqual(env.b, src.b);
});

test('prototype keys anywhere are refused, even as own JSON properties', () => {
  assert.equal(
    statusOf(() => toInertEnv(JSON.parse('{"__proto__":{"x":1}}'), limits)),
    400,
  );
  assert.equal(
    statusOf(() => toInertEnv({ a: { constructor: 'x' } }, limits)),
    400,
  );
  assert.equal(
    statusOf(() => toInertEnv({ prototype: 1 }, limits)),
    400,
  );
});

test('limits: number of fields (413), depth and name length (400)', () => {
  assert.equal(
    statusOf(() => toInertEnv({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, limits)),
    413,
  );
  assert.equal(
    statusOf(() => toInertEnv({ a: { b: { c: { d: 1 } } } }, limits)),
    400,
    'a[b][c][d] is 3 levels of nesting',
  );
  assert.equal(
    statusOf(() => toInertEnv({ a: { b: { c: 1 } } }, limits)),
    0,
    'a[b][c] is 2, like qs depth',
  );
  assert.equal(
    statusOf(() => toInertEnv({ abcdefghijk: 1 }, limits)),
    400,
  );
  assert.equal(
    statusOf(() => toInertEnv({ a: { b: 1 } }, limits)),
    0,
  );
});

test('only an object body is accepted; non-finite numbers refused', () => {
  assert.equal(
    statusOf(() => toInertEnv([1], limits)),
    400,
  );
  assert.equal(
    statusOf(() => toInertEnv('x', limits)),
    400,
  );
  assert.equal(
    statusOf(() => toInertEnv({ a: Infinity }, limits)),
    400,
  );
  assert.deepEqual(toInertEnv(undefined, limits), {});
});

test('template-looking values stay plain strings', () => {
  assert.equal(toInertEnv({ a: '{{constructor.constructor}}' }, limits).a, '{{constructor.constructor}}');
});

test('form field names: bracket and dot segments are checked', () => {
  assert.equal(forbiddenSegment('a[__proto__][b]'), '__proto__');
  assert.equal(forbiddenSegment('a.constructor'), 'constructor');
  assert.equal(forbiddenSegment('proto'), null);
});

test('canonical JSON sorts keys so equal content hashes equal', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), canonicalJson({ a: [{ c: 2, d: 1 }], b: 1 }));
  assert.notEqual(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }));
});
