import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponsePath, readResponsePath, valuesFromAnswer } from '../../../module/outbound/response-paths.js';

const steps = (p: string) => {
  const r = parseResponsePath(p);
  assert.ok('steps' in r, `${p}: ${JSON.stringify(r)}`);
  return r.steps;
};
const error = (p: string) => {
  const r = parseResponsePath(p);
  assert.ok('error' in r, `${p} should be refused`);
  return r.error;
};

describe('parseResponsePath (a plain JSON path naming one value)', () => {
  test('dot names, bracketed names and indexes', () => {
    assert.deepEqual(steps('$.invoice.id'), ['invoice', 'id']);
    assert.deepEqual(steps(' $.items[0].id '), ['items', 0, 'id']);
    assert.deepEqual(steps(`$['invoice-no']["a b"]`), ['invoice-no', 'a b']);
    assert.deepEqual(steps('$.data.$ref'), ['data', '$ref']);
  });
  test('refuses what could match several values or run code: wildcards, recursion, filters, slices, scripts', () => {
    for (const p of [
      '$.*',
      '$..id',
      '$.items[*]',
      '$.a[?(@.x>1)]',
      '$.a[0:2]',
      '$.a[(@.length-1)]',
      '$.a[-1]',
      '$.a.',
      '$[0,1]',
    ]) {
      assert.match(error(p), /use \.name, \['name'\] or \[index\] steps/, p);
    }
  });
  test('must start with $ and name something inside', () => {
    assert.match(error('invoice.id'), /must start with \$/);
    assert.match(error('$'), /must name a value inside/);
  });
  test('never a prototype key, and at most 32 steps', () => {
    for (const p of ['$.__proto__.x', "$['constructor']", '$.a.prototype'])
      assert.match(error(p), /must not use the key/, p);
    assert.match(error(`$${'.a'.repeat(33)}`), /more than 32 steps/);
    assert.deepEqual(steps(`$${'.a'.repeat(32)}`).length, 32);
  });
});

describe('readResponsePath', () => {
  const doc = { invoice: { id: 'INV-7', lines: [{ sku: 'A1' }] }, n: 0, none: null };
  test('finds values, including 0 and null', () => {
    assert.deepEqual(readResponsePath(doc, ['invoice', 'lines', 0, 'sku']), { found: true, value: 'A1' });
    assert.deepEqual(readResponsePath(doc, ['n']), { found: true, value: 0 });
    assert.deepEqual(readResponsePath(doc, ['none']), { found: true, value: null });
  });
  test('a missing step, an index past the end, an index into an object or a name into a list is not found', () => {
    for (const s of [
      ['nope'],
      ['invoice', 'lines', 1],
      ['invoice', 0],
      ['invoice', 'lines', 'sku'],
      ['invoice', 'id', 'x'],
    ]) {
      assert.deepEqual(readResponsePath(doc, s), { found: false }, JSON.stringify(s));
    }
  });
  test('only own properties: inherited ones are not found', () => {
    assert.deepEqual(readResponsePath({}, ['toString']), { found: false });
    assert.deepEqual(readResponsePath([1], ['length']), { found: false });
  });
});

describe('valuesFromAnswer (all rules or none)', () => {
  const rules = [
    { path: '$.invoice.id', field: 'invoice_id' },
    { path: '$.total', field: 'amount' },
  ];
  const answer = (body: string, over = {}) => ({ body, truncated: false, contentType: 'application/json', ...over });
  test("takes each rule's value", () => {
    assert.deepEqual(valuesFromAnswer(answer('{"invoice":{"id":"INV-7"},"total":12.5}'), rules, 16384), {
      values: { invoice_id: 'INV-7', amount: 12.5 },
    });
  });
  test('one missing path means nothing is taken', () => {
    assert.deepEqual(valuesFromAnswer(answer('{"invoice":{"id":"INV-7"}}'), rules, 16384), {
      error: 'the answer has no $.total',
    });
  });
  test('a cut answer is never parsed, even when its start is valid JSON', () => {
    assert.deepEqual(
      valuesFromAnswer(answer('{"invoice":{"id":"INV-7"},"total":1}', { truncated: true }), rules, 100),
      { error: 'the answer is longer than 100 bytes, so it was not read for saving' },
    );
  });
  test('not JSON names the content type; objects and lists are not field values', () => {
    assert.deepEqual(valuesFromAnswer(answer('<ok/>', { contentType: 'text/xml; charset=utf-8' }), rules, 16384), {
      error: 'the answer is not JSON (text/xml)',
    });
    assert.deepEqual(valuesFromAnswer(answer(''), rules, 16384), {
      error: 'the answer is not JSON (application/json)',
    });
    assert.match(
      (valuesFromAnswer(answer('{"invoice":{"id":[1]},"total":1}'), rules, 16384) as { error: string }).error,
      /is a list, not a value for invoice_id/,
    );
  });
});
