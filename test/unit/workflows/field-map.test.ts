/** Field maps: blank values are "not given" unless the row says send_empty. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldMap, isBlank, renderFieldMap } from '../../../module/workflows/tasks/field-map.js';
import type { TaskServices } from '../../../module/workflows/task-types.js';

const services = { render: (v: unknown) => v } as unknown as TaskServices;

test('blank is null or whitespace only; 0, false and "0" are values', () => {
  for (const v of [null, '', ' ', '\t\n']) assert.equal(isBlank(v), true, JSON.stringify(v));
  for (const v of [0, false, '0', 'x', [], {}]) assert.equal(isBlank(v), false, JSON.stringify(v));
});

test('rows default to leave_unset; send_empty keeps the blank; undefined is always left out', () => {
  const map = FieldMap.parse([
    { field: 'a', value: '' },
    { field: 'b', value: '  ', whenBlank: 'send_empty' },
    { field: 'c', value: null },
    { field: 'd', value: undefined, whenBlank: 'send_empty' },
    { field: 'e', value: 0 },
  ]);
  assert.equal(map[0].whenBlank, 'leave_unset');
  assert.deepEqual(renderFieldMap(map, services), { b: '  ', e: 0 });
});

test('rows are strict: an unknown key or a bad whenBlank is refused', () => {
  assert.equal(FieldMap.safeParse([{ field: 'a', value: 1, emptyAs: 'x' }]).success, false);
  assert.equal(FieldMap.safeParse([{ field: 'a', value: 1, whenBlank: 'null' }]).success, false);
});
