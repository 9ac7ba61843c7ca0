/** When a refusal gets a row of its own and when it is counted on one (issue 14). Pure. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planRefusalWrite, type SourceRow } from '../../../module/inbound/refusal-policy.js';

const policy = { windowMs: 60_000, maxRowsPerSource: 3 };
const kind = { status: 400, target: 'workflow ?', reason: 'Bad control parameters' };
const row = (id: number, lastAt: number, over: Partial<SourceRow> = {}): SourceRow => ({
  id,
  lastAt,
  ...kind,
  ...over,
});

describe('refusal log: aggregation per source', () => {
  test('the first refusal of a source gets a row', () => {
    assert.deepEqual(planRefusalWrite([], kind, 1_000, policy), { kind: 'insert' });
  });

  test('a refusal alike to a recent one is counted on it', () => {
    assert.deepEqual(planRefusalWrite([row(7, 1_000)], kind, 1_000 + 59_999, policy), { kind: 'count', id: 7 });
  });

  test('after a quiet window, the same refusal starts a new row (below the cap)', () => {
    assert.deepEqual(planRefusalWrite([row(7, 1_000)], kind, 1_000 + 60_000, policy), { kind: 'insert' });
  });

  test('a different status, target or reason gets its own row below the cap', () => {
    const recent = [row(7, 1_000)];
    assert.deepEqual(planRefusalWrite(recent, { ...kind, status: 403 }, 2_000, policy), { kind: 'insert' });
    assert.deepEqual(planRefusalWrite(recent, { ...kind, target: 'trigger x' }, 2_000, policy), { kind: 'insert' });
    assert.deepEqual(planRefusalWrite(recent, { ...kind, reason: 'other' }, 2_000, policy), { kind: 'insert' });
  });

  test('at the cap nothing is inserted: counted on the newest row with the status, else on the newest row', () => {
    const recent = [
      row(9, 5_000, { target: 'c' }),
      row(8, 4_000, { status: 403, target: 'b' }),
      row(7, 3_000, { target: 'a' }),
    ];
    assert.deepEqual(planRefusalWrite(recent, { ...kind, status: 403, target: 'z' }, 10_000, policy), {
      kind: 'count',
      id: 8,
    });
    assert.deepEqual(planRefusalWrite(recent, { ...kind, status: 415, target: 'z' }, 10_000, policy), {
      kind: 'count',
      id: 9,
    });
    assert.deepEqual(
      planRefusalWrite(recent, { ...kind, target: 'a' }, 10_000_000, policy),
      { kind: 'count', id: 7 },
      'alike but old: still counted, the cap wins',
    );
  });

  test('a sustained flood of one kind stays one row however long it lasts', () => {
    let recent: SourceRow[] = [];
    let rows = 0;
    for (let now = 0; now < 24 * 3_600_000; now += 1_000) {
      const plan = planRefusalWrite(recent, kind, now, policy);
      if (plan.kind === 'insert') {
        rows += 1;
        recent = [row(rows, now), ...recent];
      } else recent = recent.map((r) => (r.id === plan.id ? { ...r, lastAt: now } : r));
    }
    assert.equal(rows, 1);
  });
});
