import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checked,
  errorsOutside,
  errorsUnder,
  lines,
  list,
  rowErrors,
  rows,
  text,
} from '../../../module/forms/form-values.js';

test('text, list and checked read urlencoded bodies (a repeated name is an array)', () => {
  const body = { a: 'x', b: ['1', '2'], c: undefined, d: { nested: 1 } } as Record<string, unknown>;
  assert.equal(text(body, 'a'), 'x');
  assert.equal(text(body, 'b'), '1');
  assert.equal(text(body, 'd'), '');
  assert.deepEqual(list(body, 'a'), ['x']);
  assert.deepEqual(list(body, 'b'), ['1', '2']);
  assert.deepEqual(list(body, 'missing'), []);
  assert.equal(checked(body, 'a'), true);
  assert.equal(checked(body, 'zzz'), false);
});

test('rows zips parallel fields and drops fully blank rows', () => {
  const body = { n: ['a', '', 'c', ''], v: ['1', '', '', ' '] };
  assert.deepEqual(rows(body, { name: 'n', value: 'v' }), [
    { name: 'a', value: '1' },
    { name: 'c', value: '' },
  ]);
  assert.deepEqual(rows({ n: 'only' }, { name: 'n', value: 'v' }), [{ name: 'only', value: '' }]);
});

test('lines trims and drops empty lines', () => {
  assert.deepEqual(lines(' 10.0.0.0/8 \r\n\n127.0.0.1\n'), ['10.0.0.0/8', '127.0.0.1']);
});

test('errorsUnder / errorsOutside / rowErrors map service errors to inputs', () => {
  const fields = {
    'tasks.1.options.url': 'bad url',
    'tasks.1.options.params.2.name': 'bad name',
    'tasks.1.title': 'required',
    'tasks.0.options.url': 'other',
    title: 'x',
  };
  const mine = errorsUnder(fields, 'tasks.1.');
  assert.deepEqual(mine, { url: 'bad url', 'params.2.name': 'bad name', title: 'required' });
  assert.deepEqual(errorsOutside(mine, ['url', 'params']), { title: 'required' });
  const byRow = rowErrors(mine, /^params\.(\d+)\.?(\w+)?/);
  assert.deepEqual([...byRow], [[2, { name: 'bad name' }]]);
});
