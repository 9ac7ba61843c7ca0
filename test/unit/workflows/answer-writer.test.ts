import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { conflictsOf, sameFieldValue } from '../../../module/workflows/answer-writer.js';

describe('sameFieldValue (as a person reads a field)', () => {
  test('blank equals blank, numbers equal their text, anything else differs', () => {
    assert.ok(sameFieldValue(null, undefined) && sameFieldValue('', null) && sameFieldValue('  ', undefined));
    assert.ok(sameFieldValue(5, '5') && sameFieldValue('INV-7', 'INV-7'));
    assert.ok(!sameFieldValue('', 0) && !sameFieldValue('INV-7', 'inv-7') && !sameFieldValue(null, 'x'));
  });
});

describe('conflictsOf (no silent overwrite)', () => {
  const answer = (expected: Record<string, unknown>) => ({
    runId: 1,
    module: 'Deals',
    recordId: 5,
    values: { invoice_id: 'INV-7' },
    expected,
  });
  test('unchanged since queued: no conflict', () => {
    assert.deepEqual(conflictsOf({ invoice_id: null }, answer({ invoice_id: null })), []);
  });
  test('already holding the answer (a repeated write-back): no conflict', () => {
    assert.deepEqual(conflictsOf({ invoice_id: 'INV-7' }, answer({ invoice_id: null })), []);
  });
  test('changed to something else meanwhile: a conflict naming the field, the old and the new value', () => {
    assert.deepEqual(conflictsOf({ invoice_id: 'HAND' }, answer({ invoice_id: '' })), [
      'invoice_id changed since the delivery was queued (was empty, now "HAND")',
    ]);
  });
});
