/** Conditions against their field's type, rule by rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionProblem, conditionTypeProblems } from '../../../module/workflows/condition-checks.js';
import type { ModuleField } from '../../../module/host.js';

const f = (name: string, type: ModuleField['type'], options?: string[]): ModuleField => ({
  name,
  label: name[0].toUpperCase() + name.slice(1),
  type,
  options,
});
const stage = f('stage', 'picklist', ['New', 'Won', 'Lost']);
const amount = f('amount', 'number');
const close = f('close', 'date');
const vip = f('vip', 'boolean');
const title = f('title', 'text');

test('comparing ops need a value that is not blank; the others need none', () => {
  for (const op of ['equals', 'not_equals', 'contains', 'gt', 'lt', 'changed_to', 'changed_from'] as const) {
    for (const value of ['', '  ', null])
      assert.ok(conditionProblem({ field: 'title', op, value }, title), `${op} ${JSON.stringify(value)}`);
  }
  assert.match(conditionProblem({ field: 'stage', op: 'changed_to', value: '' }, stage)!, /is_empty/);
  for (const op of ['is_empty', 'is_not_empty', 'changed'] as const)
    assert.equal(conditionProblem({ field: 'stage', op }, stage), null);
});

test('gt / lt: numbers with numbers, dates with dates, nothing else', () => {
  assert.equal(conditionProblem({ field: 'amount', op: 'gt', value: '1000' }, amount), null);
  assert.equal(conditionProblem({ field: 'amount', op: 'lt', value: 12.5 }, amount), null);
  assert.match(conditionProblem({ field: 'amount', op: 'gt', value: 'lots' }, amount)!, /Amount is a number/);
  assert.equal(conditionProblem({ field: 'close', op: 'lt', value: '2026-12-31' }, close), null);
  assert.match(conditionProblem({ field: 'close', op: 'gt', value: 'soon' }, close)!, /date like/);
  assert.match(conditionProblem({ field: 'title', op: 'gt', value: 'a' }, title)!, /compares numbers and dates/);
  assert.match(conditionProblem({ field: 'stage', op: 'gt', value: 'Won' }, stage)!, /picklist/);
});

test('picklists take one of their options as written, and point at the near miss', () => {
  for (const op of ['equals', 'not_equals', 'changed_to', 'changed_from'] as const)
    assert.equal(conditionProblem({ field: 'stage', op, value: 'Won' }, stage), null);
  assert.equal(
    conditionProblem({ field: 'stage', op: 'equals', value: 'won' }, stage),
    '"won" is written "Won" in Stage',
  );
  assert.match(
    conditionProblem({ field: 'stage', op: 'equals', value: 'Closed' }, stage)!,
    /no option "Closed"; use one of: New, Won, Lost/,
  );
  assert.equal(
    conditionProblem({ field: 'stage', op: 'contains', value: 'o' }, stage),
    null,
    'contains is a text test',
  );
});

test('numbers, dates and booleans compare with values of their kind', () => {
  assert.match(conditionProblem({ field: 'amount', op: 'equals', value: 'ten' }, amount)!, /must be a number/);
  assert.equal(conditionProblem({ field: 'amount', op: 'equals', value: ' 10 ' }, amount), null);
  assert.match(conditionProblem({ field: 'close', op: 'changed_to', value: '31.12.2026' }, close)!, /date/);
  assert.equal(conditionProblem({ field: 'vip', op: 'equals', value: 'TRUE' }, vip), null);
  assert.equal(conditionProblem({ field: 'vip', op: 'equals', value: false }, vip), null);
  assert.match(conditionProblem({ field: 'vip', op: 'equals', value: 'yes' }, vip)!, /true or false/);
  assert.equal(conditionProblem({ field: 'title', op: 'equals', value: 'anything' }, title), null);
});

test('nested paths are checked for blank values only; errors are keyed by condition index', () => {
  assert.equal(conditionProblem({ field: 'stage.name', op: 'equals', value: 'x' }, stage), null);
  const errors = conditionTypeProblems(
    [
      { field: 'title', op: 'equals', value: 'ok' },
      { field: 'amount', op: 'gt', value: 'lots' },
      { field: 'missing', op: 'equals', value: 'x' },
      { field: 'stage', op: 'changed_to', value: '' },
    ],
    [title, amount, stage],
  );
  assert.deepEqual(Object.keys(errors), ['conditions.1.value', 'conditions.3.value']);
});
