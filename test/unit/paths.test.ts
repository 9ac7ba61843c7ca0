import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildNested, getPath, getSegments, pathProblem, setPath, splitPath } from '../../module/paths.js';

describe('pathProblem', () => {
  test('accepts ordinary dot paths', () => {
    for (const path of ['stage', 'contact.name', 'items.0.sku', 'a_b-c$d@e:f'])
      assert.equal(pathProblem(path), null, path);
  });

  test('refuses forbidden segments anywhere', () => {
    for (const path of ['__proto__', 'a.__proto__', 'constructor.x', 'a.prototype', 'a.constructor.prototype']) {
      assert.match(pathProblem(path) ?? '', /not allowed/, path);
    }
  });

  test('refuses empty, over-long, empty-segment and odd-character paths', () => {
    assert.equal(pathProblem(''), 'must not be empty');
    assert.match(pathProblem('a'.repeat(201)) ?? '', /200/);
    assert.equal(pathProblem('a'.repeat(200)), null);
    assert.equal(pathProblem('a..b'), 'has an empty segment');
    assert.equal(pathProblem('.a'), 'has an empty segment');
    assert.match(pathProblem('a b') ?? '', /may only contain/);
    assert.match(pathProblem('a[0]') ?? '', /may only contain/);
    assert.equal(pathProblem(42 as unknown as string), 'must not be empty');
  });

  test('splitPath splits good paths and throws on bad ones', () => {
    assert.deepEqual(splitPath('items.0.sku'), ['items', '0', 'sku']);
    assert.throws(() => splitPath('a.__proto__'), /not allowed/);
    assert.throws(() => splitPath(''), /must not be empty/);
  });
});

describe('getPath', () => {
  const source = { stage: 'Won', contact: { name: 'Ann' }, items: [{ sku: 'A1' }, { sku: 'B2' }], zero: 0, nil: null };

  test('reads top-level, nested and array paths', () => {
    assert.equal(getPath(source, 'stage'), 'Won');
    assert.equal(getPath(source, 'contact.name'), 'Ann');
    assert.equal(getPath(source, 'items.1.sku'), 'B2');
    assert.deepEqual(getPath(source, 'contact'), { name: 'Ann' });
    assert.equal(getPath(source, 'zero'), 0);
    assert.equal(getPath(source, 'nil'), null);
  });

  test('missing paths and paths through scalars are undefined', () => {
    assert.equal(getPath(source, 'nope'), undefined);
    assert.equal(getPath(source, 'contact.email'), undefined);
    assert.equal(getPath(source, 'stage.length'), undefined);
    assert.equal(getPath(source, 'nil.x'), undefined);
    assert.equal(getPath(source, 'items.5.sku'), undefined);
    assert.equal(getPath(null, 'a'), undefined);
    assert.equal(getPath('text', 'length'), undefined);
  });

  test('reads own properties only, never the prototype chain', () => {
    assert.equal(getPath(source, 'toString'), undefined);
    assert.equal(getPath(source, 'hasOwnProperty'), undefined);
    assert.equal(getPath(source, 'contact.valueOf'), undefined);
    const child = Object.create({ inherited: 'yes' }) as Record<string, unknown>;
    child.own = 'mine';
    assert.equal(getPath(child, 'own'), 'mine');
    assert.equal(getPath(child, 'inherited'), undefined);
  });

  test('forbidden segments read as undefined even when present as own keys', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "a": {"constructor": 2, "prototype": 3}}');
    assert.equal(getPath(parsed, '__proto__'), undefined);
    assert.equal(getPath(parsed, '__proto__.x'), undefined);
    assert.equal(getPath(parsed, 'a.constructor'), undefined);
    assert.equal(getPath(parsed, 'a.prototype'), undefined);
    assert.equal(getPath({}, 'constructor'), undefined);
  });

  test('getSegments allows dots inside a segment', () => {
    const env = { 'a.b': 'dotted', a: { b: 'nested' } };
    assert.equal(getSegments(env, ['a.b']), 'dotted');
    assert.equal(getSegments(env, ['a', 'b']), 'nested');
    assert.equal(getSegments(env, ['__proto__']), undefined);
    assert.equal(getSegments(env, []), env);
  });
});

describe('setPath', () => {
  test('creates nested objects', () => {
    const target: Record<string, unknown> = {};
    setPath(target, 'contact.name', 'Ann');
    setPath(target, 'contact.email', 'ann@example.com');
    assert.deepEqual(target, { contact: { name: 'Ann', email: 'ann@example.com' } });
  });

  test('creates arrays where the next segment is a number', () => {
    const target: Record<string, unknown> = {};
    setPath(target, 'items.0.sku', 'A1');
    setPath(target, 'items.1.sku', 'B2');
    setPath(target, 'items.0.qty', 2);
    assert.ok(Array.isArray(target.items));
    assert.deepEqual(target, { items: [{ sku: 'A1', qty: 2 }, { sku: 'B2' }] });
  });

  test('numeric segments on an existing object stay keys', () => {
    const target: Record<string, unknown> = { codes: {} };
    setPath(target, 'codes.0', 'x');
    assert.deepEqual(target, { codes: { 0: 'x' } });
    assert.ok(!Array.isArray(target.codes));
  });

  test('overwrites leaf values', () => {
    const target: Record<string, unknown> = { a: 1 };
    setPath(target, 'a', 2);
    assert.equal(target.a, 2);
  });

  test('throws on forbidden segments and leaves Object.prototype alone', () => {
    for (const path of ['__proto__.polluted', 'a.__proto__.polluted', 'constructor.prototype.polluted', 'prototype']) {
      assert.throws(() => setPath({}, path, 1), /not allowed/, path);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('throws when a path runs through a scalar', () => {
    assert.throws(() => setPath({ a: 'text' }, 'a.b', 1), /not an object/);
    assert.throws(() => setPath({ a: null }, 'a.b', 1), /not an object/);
  });

  test('throws on a non-index segment inside an array', () => {
    assert.throws(() => setPath({ items: [] }, 'items.name', 1), /not an array index/);
  });

  test('inherited names such as toString are created as own keys', () => {
    const target: Record<string, unknown> = {};
    setPath(target, 'toString.x', 1);
    setPath(target, 'valueOf', 2);
    assert.deepEqual(target, { toString: { x: 1 }, valueOf: 2 });
  });
});

describe('buildNested', () => {
  test('builds one object from dot-notation names', () => {
    const out = buildNested([
      { name: 'contact.name', value: 'Ann' },
      { name: 'items.0.sku', value: 'A1' },
      { name: 'items.0.qty', value: 3 },
      { name: 'items.1.sku', value: 'B2' },
      { name: 'total', value: 10 },
    ]);
    assert.deepEqual(out, { contact: { name: 'Ann' }, items: [{ sku: 'A1', qty: 3 }, { sku: 'B2' }], total: 10 });
  });

  test('sparse indexes become dense arrays', () => {
    const out = buildNested([
      { name: 'items.0', value: 'a' },
      { name: 'items.2', value: 'c' },
    ]);
    assert.deepEqual(out, { items: ['a', 'c'] });
    assert.equal((out.items as unknown[]).length, 2);
  });

  test('does not mutate values passed in', () => {
    const sparse: unknown[] = [];
    sparse[2] = 'x';
    const value = { list: sparse };
    const out = buildNested([{ name: 'data', value }]);
    assert.equal(out.data, value);
    assert.equal(value.list, sparse);
    assert.equal(sparse.length, 3);
  });

  test('refuses forbidden names', () => {
    assert.throws(() => buildNested([{ name: '__proto__.x', value: 1 }]), /not allowed/);
  });

  test('empty input gives an empty object', () => {
    assert.deepEqual(buildNested([]), {});
  });
});
