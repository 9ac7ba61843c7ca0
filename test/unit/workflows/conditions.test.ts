import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Condition,
  ConditionOp,
  ConditionSet,
  checkConditionFields,
  evaluateCondition,
  evaluateConditions,
} from '../../../module/workflows/conditions.js';

type Rec = Record<string, unknown>;

/** One condition against a record (update when `previous` is given, create when null). */
function check(
  op: ConditionOp,
  record: Rec,
  value?: Condition['value'],
  previous: Rec | null = null,
  field = 'f',
): boolean {
  const condition = Condition.parse(value === undefined ? { field, op } : { field, op, value });
  return evaluateCondition(condition, { record, previous });
}

describe('Condition schema', () => {
  test('accepts every op with the value it needs', () => {
    for (const op of ConditionOp.options) {
      const needsValue = !['is_empty', 'is_not_empty', 'changed'].includes(op);
      assert.equal(Condition.safeParse({ field: 'stage', op, value: 'x' }).success, true, op);
      assert.equal(Condition.safeParse({ field: 'stage', op }).success, !needsValue, `${op} without value`);
    }
  });

  test('value may be string, number, boolean or null; nothing else', () => {
    for (const value of ['a', 1, 0, true, false, null])
      assert.equal(Condition.safeParse({ field: 'f', op: 'equals', value }).success, true);
    for (const value of [{}, [], [1]])
      assert.equal(Condition.safeParse({ field: 'f', op: 'equals', value }).success, false);
  });

  test('missing value is reported on the value path', () => {
    const r = Condition.safeParse({ field: 'f', op: 'changed_to' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['value']);
  });

  test('field must be a safe dot path', () => {
    for (const field of ['stage', 'contact.name', 'items.0.sku'])
      assert.equal(Condition.safeParse({ field, op: 'is_empty' }).success, true);
    for (const field of ['', '__proto__', 'a.constructor', 'prototype.x', 'a..b', 'a b']) {
      const r = Condition.safeParse({ field, op: 'is_empty' });
      assert.equal(r.success, false, field);
      assert.deepEqual(r.error?.issues[0].path, ['field']);
    }
  });

  test('unknown ops are refused', () => {
    assert.equal(Condition.safeParse({ field: 'f', op: 'matches', value: 'x' }).success, false);
  });

  test('ConditionSet defaults join to all and conditions to []', () => {
    assert.deepEqual(ConditionSet.parse({}), { join: 'all', conditions: [] });
    assert.equal(ConditionSet.safeParse({ join: 'some' }).success, false);
  });

  test('ConditionSet allows at most 50 conditions', () => {
    const one = { field: 'f', op: 'is_empty' };
    assert.equal(ConditionSet.safeParse({ conditions: Array(50).fill(one) }).success, true);
    assert.equal(ConditionSet.safeParse({ conditions: Array(51).fill(one) }).success, false);
  });
});

describe('equals / not_equals', () => {
  test('numbers compare numerically across types', () => {
    assert.equal(check('equals', { f: '1000' }, 1000), true);
    assert.equal(check('equals', { f: 1000 }, '1000'), true);
    assert.equal(check('equals', { f: '1000.0' }, '1e3'), true);
    assert.equal(check('equals', { f: ' 42 ' }, 42), true);
    assert.equal(check('equals', { f: '1000' }, 999), false);
    assert.equal(check('equals', { f: '1,000' }, 1000), false);
    assert.equal(check('equals', { f: '0x10' }, 16), false);
  });

  test('booleans equal their true/false strings', () => {
    assert.equal(check('equals', { f: true }, 'true'), true);
    assert.equal(check('equals', { f: 'TRUE' }, true), true);
    assert.equal(check('equals', { f: false }, 'false'), true);
    assert.equal(check('equals', { f: false }, 'true'), false);
    assert.equal(check('equals', { f: true }, 1), false);
    assert.equal(check('equals', { f: 'yes' }, true), false);
  });

  test('text is trimmed and case-insensitive', () => {
    assert.equal(check('equals', { f: ' Won ' }, 'won'), true);
    assert.equal(check('equals', { f: 'WON' }, 'Won'), true);
    assert.equal(check('equals', { f: 'Won' }, 'Lost'), false);
    assert.equal(check('equals', { f: 'Wonder' }, 'Won'), false);
  });

  test('empty values equal each other, not zero or false', () => {
    assert.equal(check('equals', {}, null), true);
    assert.equal(check('equals', { f: '' }, null), true);
    assert.equal(check('equals', { f: '  ' }, ''), true);
    assert.equal(check('equals', { f: [] }, ''), true);
    assert.equal(check('equals', { f: 0 }, null), false);
    assert.equal(check('equals', { f: false }, ''), false);
    assert.equal(check('equals', { f: 'x' }, null), false);
  });

  test('objects and arrays never equal a scalar', () => {
    assert.equal(check('equals', { f: ['Won'] }, 'Won'), false);
    assert.equal(check('equals', { f: { name: 'Won' } }, 'Won'), false);
  });

  test('dot paths read nested own fields', () => {
    assert.equal(check('equals', { contact: { name: 'Ann' } }, 'ann', null, 'contact.name'), true);
    assert.equal(check('equals', { items: [{ sku: 'A1' }] }, 'a1', null, 'items.0.sku'), true);
    assert.equal(check('equals', { contact: 'Ann' }, 'Ann', null, 'contact.name'), false);
  });

  test('not_equals is the exact negation', () => {
    const pairs: Array<[unknown, Condition['value']]> = [
      ['1000', 1000],
      ['Won', 'Lost'],
      [true, 'true'],
      [null, ''],
      [0, null],
    ];
    for (const [field, value] of pairs) {
      assert.equal(check('not_equals', { f: field }, value), !check('equals', { f: field }, value), String(field));
    }
  });
});

describe('contains', () => {
  test('strings: case-insensitive substring', () => {
    assert.equal(check('contains', { f: 'Acme Corporation' }, 'corp'), true);
    assert.equal(check('contains', { f: 'Acme Corporation' }, 'ACME'), true);
    assert.equal(check('contains', { f: 'Acme' }, 'Widgets'), false);
    assert.equal(check('contains', { f: 'Acme Inc' }, ' inc'), true);
    assert.equal(check('contains', { f: 'AcmeInc' }, ' inc'), false);
  });

  test('numbers are searched as text', () => {
    assert.equal(check('contains', { f: 5551234 }, '123'), true);
    assert.equal(check('contains', { f: 'room 42' }, 42), true);
  });

  test('arrays: membership with loose equality', () => {
    assert.equal(check('contains', { f: ['VIP', 'Partner'] }, 'vip'), true);
    assert.equal(check('contains', { f: [1, 2, 3] }, '2'), true);
    assert.equal(check('contains', { f: ['VIP Gold'] }, 'VIP'), false);
    assert.equal(check('contains', { f: [] }, 'x'), false);
  });

  test('empty needle, missing field and other types are false', () => {
    assert.equal(check('contains', { f: 'abc' }, ''), false);
    assert.equal(check('contains', { f: 'abc' }, null), false);
    assert.equal(check('contains', {}, 'a'), false);
    assert.equal(check('contains', { f: { a: 'x' } }, 'x'), false);
    assert.equal(check('contains', { f: true }, 'true'), false);
  });
});

describe('gt / lt', () => {
  test('numeric when both sides are numeric', () => {
    assert.equal(check('gt', { f: '1500' }, 1000), true);
    assert.equal(check('gt', { f: 1000 }, '1000'), false);
    assert.equal(check('lt', { f: 999.5 }, '1000'), true);
    assert.equal(check('lt', { f: '-5' }, 0), true);
    assert.equal(check('gt', { f: '10' }, '9'), true, 'numeric, not text order');
  });

  test('ISO dates when both sides are dates', () => {
    assert.equal(check('gt', { f: '2024-06-01' }, '2024-05-31'), true);
    assert.equal(check('lt', { f: '2024-06-01T09:00:00Z' }, '2024-06-01T10:00:00Z'), true);
    assert.equal(check('gt', { f: '2024-06-01T12:00:00+02:00' }, '2024-06-01T10:30:00Z'), false);
    assert.equal(check('lt', { f: '2024-06-01T12:00:00+02:00' }, '2024-06-01T10:30:00Z'), true);
    assert.equal(check('gt', { f: '2024-06-01 10:00' }, '2024-06-01'), true, 'zone-less times are UTC');
    assert.equal(check('gt', { f: new Date('2025-01-01T00:00:00Z') }, '2024-12-31'), true);
  });

  test('refuses (false both ways) when unsure', () => {
    const unsure: Array<[unknown, Condition['value']]> = [
      ['abc', 'abd'],
      ['2024-06-01', 5],
      [1717200000000, '2024-06-01'],
      ['2024-02-30', '2024-01-01'],
      ['2024-13-01', '2024-01-01'],
      ['06/01/2024', '2024-01-01'],
      [null, 1],
      [undefined, 1],
      [true, false],
      [[5], 1],
    ];
    for (const [field, value] of unsure) {
      assert.equal(check('gt', { f: field }, value), false, `gt ${String(field)}`);
      assert.equal(check('lt', { f: field }, value), false, `lt ${String(field)}`);
    }
  });

  test('equal values are neither gt nor lt', () => {
    assert.equal(check('gt', { f: 5 }, 5), false);
    assert.equal(check('lt', { f: '2024-01-01' }, '2024-01-01T00:00:00Z'), false);
  });
});

describe('is_empty / is_not_empty', () => {
  const empty: unknown[] = [undefined, null, '', '   ', '\n\t', []];
  const notEmpty: unknown[] = [0, false, 'x', ' x ', [0], {}, '0'];

  test('empty values', () => {
    for (const v of empty) {
      assert.equal(check('is_empty', { f: v }), true, JSON.stringify(v));
      assert.equal(check('is_not_empty', { f: v }), false, JSON.stringify(v));
    }
    assert.equal(check('is_empty', {}), true, 'missing field');
  });

  test('non-empty values', () => {
    for (const v of notEmpty) {
      assert.equal(check('is_empty', { f: v }), false, JSON.stringify(v));
      assert.equal(check('is_not_empty', { f: v }), true, JSON.stringify(v));
    }
  });
});

describe('changed', () => {
  test('on update: true when the value differs', () => {
    assert.equal(check('changed', { f: 'Won' }, undefined, { f: 'Open' }), true);
    assert.equal(check('changed', { f: 'x' }, undefined, {}), true);
    assert.equal(check('changed', {}, undefined, { f: 'x' }), true);
    assert.equal(check('changed', { f: [1, 2] }, undefined, { f: [2, 1] }), true);
  });

  test('on update: false when equal under the loose rules', () => {
    assert.equal(check('changed', { f: 'Won' }, undefined, { f: 'Won' }), false);
    assert.equal(check('changed', { f: '1000' }, undefined, { f: 1000 }), false);
    assert.equal(check('changed', { f: ' won' }, undefined, { f: 'WON' }), false);
    assert.equal(check('changed', { f: '' }, undefined, { f: null }), false);
    assert.equal(check('changed', {}, undefined, {}), false);
    assert.equal(check('changed', { f: { a: 1, b: 2 } }, undefined, { f: { b: 2, a: 1 } }), false);
  });

  test('on create: true only when the new value is not empty', () => {
    assert.equal(check('changed', { f: 'x' }), true);
    assert.equal(check('changed', { f: 0 }), true);
    assert.equal(check('changed', { f: '' }), false);
    assert.equal(check('changed', { f: [] }), false);
    assert.equal(check('changed', {}), false);
  });
});

describe('changed_to', () => {
  const wonRule = {
    join: 'all' as const,
    conditions: [Condition.parse({ field: 'stage', op: 'changed_to', value: 'Won' })],
  };

  test('"only when the stage changes to Won"', () => {
    assert.equal(evaluateConditions(wonRule, { record: { stage: 'Won' }, previous: { stage: 'Negotiation' } }), true);
    assert.equal(evaluateConditions(wonRule, { record: { stage: 'won ' }, previous: { stage: 'Open' } }), true);
    assert.equal(evaluateConditions(wonRule, { record: { stage: 'Lost' }, previous: { stage: 'Open' } }), false);
  });

  test('does not fire again when another field of a Won deal changes', () => {
    const input = { record: { stage: 'Won', amount: 2000 }, previous: { stage: 'Won', amount: 1000 } };
    assert.equal(evaluateConditions(wonRule, input), false);
  });

  test('on create: true when created with the value', () => {
    assert.equal(evaluateConditions(wonRule, { record: { stage: 'Won' }, previous: null }), true);
    assert.equal(evaluateConditions(wonRule, { record: { stage: 'Open' }, previous: null }), false);
  });

  test('uses the loose equality on both sides', () => {
    assert.equal(check('changed_to', { f: 1000 }, '1000', { f: 500 }), true);
    assert.equal(check('changed_to', { f: 1000 }, '1000', { f: '1000.00' }), false);
    assert.equal(check('changed_to', { f: true }, 'true', { f: false }), true);
    assert.equal(check('changed_to', { f: null }, null, { f: 'x' }), true, 'became empty');
  });
});

describe('changed_from', () => {
  test('true when it was the value and no longer is', () => {
    assert.equal(check('changed_from', { f: 'Lost' }, 'Won', { f: 'Won' }), true);
    assert.equal(check('changed_from', {}, 'won', { f: 'Won' }), true);
  });

  test('false when it still is, or never was', () => {
    assert.equal(check('changed_from', { f: 'Won' }, 'Won', { f: 'Won' }), false);
    assert.equal(check('changed_from', { f: ' WON' }, 'Won', { f: 'Won' }), false);
    assert.equal(check('changed_from', { f: 'Lost' }, 'Won', { f: 'Open' }), false);
  });

  test('never true on create', () => {
    assert.equal(check('changed_from', { f: 'Lost' }, 'Won', null), false);
    assert.equal(check('changed_from', {}, null, null), false);
  });
});

describe('evaluateConditions', () => {
  const amountOver = Condition.parse({ field: 'amount', op: 'gt', value: 1000 });
  const isWon = Condition.parse({ field: 'stage', op: 'equals', value: 'Won' });
  const record = { amount: 5000, stage: 'Open' };

  test('an empty list passes for both joins', () => {
    assert.equal(evaluateConditions({ join: 'all', conditions: [] }, { record: {}, previous: null }), true);
    assert.equal(evaluateConditions({ join: 'any', conditions: [] }, { record: {}, previous: null }), true);
  });

  test('all needs every condition', () => {
    assert.equal(
      evaluateConditions({ join: 'all', conditions: [amountOver, isWon] }, { record, previous: null }),
      false,
    );
    assert.equal(evaluateConditions({ join: 'all', conditions: [amountOver] }, { record, previous: null }), true);
  });

  test('any needs one condition', () => {
    assert.equal(
      evaluateConditions({ join: 'any', conditions: [amountOver, isWon] }, { record, previous: null }),
      true,
    );
    assert.equal(evaluateConditions({ join: 'any', conditions: [isWon] }, { record, previous: null }), false);
  });

  test('join defaults to all', () => {
    assert.equal(evaluateConditions({ conditions: [amountOver, isWon] }, { record, previous: null }), false);
  });

  test('an unknown op from stored data is false, not an error', () => {
    const bad = { field: 'stage', op: 'regex', value: '.*' } as unknown as Condition;
    assert.equal(evaluateCondition(bad, { record, previous: null }), false);
  });

  test('inherited properties are not fields', () => {
    const c = Condition.parse({ field: 'toString', op: 'is_empty' });
    assert.equal(evaluateCondition(c, { record: {}, previous: null }), true);
  });
});

describe('checkConditionFields', () => {
  const fields = [{ name: 'stage' }, { name: 'amount' }, { name: 'contact' }];

  test('no errors when every first segment is a known field', () => {
    const set = { conditions: [{ field: 'stage' }, { field: 'contact.name' }, { field: 'amount' }] };
    assert.deepEqual(checkConditionFields(set, fields), {});
  });

  test('errors keyed by condition index', () => {
    const set = { conditions: [{ field: 'stage' }, { field: 'Stage' }, { field: 'owner.email' }] };
    const errors = checkConditionFields(set, fields);
    assert.deepEqual(Object.keys(errors), ['conditions.1.field', 'conditions.2.field']);
    assert.match(errors['conditions.1.field'], /Stage/);
    assert.match(errors['conditions.2.field'], /owner/);
  });

  test('malformed paths are reported, not thrown', () => {
    const errors = checkConditionFields({ conditions: [{ field: '__proto__' }, { field: '' }] }, fields);
    assert.match(errors['conditions.0.field'], /not allowed/);
    assert.match(errors['conditions.1.field'], /empty/);
  });

  test('no known fields: every condition is an error', () => {
    assert.equal(Object.keys(checkConditionFields({ conditions: [{ field: 'a' }, { field: 'b' }] }, [])).length, 2);
  });
});
