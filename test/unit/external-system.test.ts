/** Echo suppression's pure rules (module/external-system.ts), rule by rule. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExternalSystemName,
  distinctSystems,
  echoSkipReason,
  sameSystem,
  systemOf,
} from '../../module/external-system.js';
import { changeOriginOf } from '../../module/workflows/task-types.js';

describe('echoSkipReason', () => {
  test('a webhook to the system the change came from skips it, saying where it came from', () => {
    assert.equal(echoSkipReason({ system: 'accounting' }, 'accounting'), 'skipped: came from accounting');
  });
  test('names are compared without regard to letter case or surrounding spaces', () => {
    assert.equal(echoSkipReason({ system: 'Accounting' }, ' accounting '), 'skipped: came from accounting');
    assert.equal(echoSkipReason({ system: 'accounting' }, 'ACCOUNTING'), 'skipped: came from ACCOUNTING');
  });
  test('skipping is on by default once the webhook names its system', () => {
    assert.notEqual(echoSkipReason({ system: 'accounting', skipEchoes: undefined }, 'accounting'), null);
    assert.notEqual(echoSkipReason({ system: 'accounting', skipEchoes: true }, 'accounting'), null);
  });
  test('switched off, the webhook sends the echo too', () => {
    assert.equal(echoSkipReason({ system: 'accounting', skipEchoes: false }, 'accounting'), null);
  });
  test('a change from another system, or from no system (a person), is sent', () => {
    assert.equal(echoSkipReason({ system: 'accounting' }, 'warehouse'), null);
    assert.equal(echoSkipReason({ system: 'accounting' }, null), null);
    assert.equal(echoSkipReason({ system: 'accounting' }, undefined), null);
    assert.equal(echoSkipReason({ system: 'accounting' }, '  '), null);
  });
  test('a webhook naming no system never skips, whatever the change came from', () => {
    assert.equal(echoSkipReason({}, 'accounting'), null);
    assert.equal(echoSkipReason({ system: null, skipEchoes: true }, 'accounting'), null);
    assert.equal(echoSkipReason({ system: '' }, ''), null);
  });
});

describe('system names', () => {
  test('sameSystem: case-insensitive, blank equals nothing', () => {
    assert.equal(sameSystem('ERP-1', 'erp-1'), true);
    assert.equal(sameSystem('erp', 'erp 2'), false);
    assert.equal(sameSystem('', ''), false);
    assert.equal(sameSystem(null, undefined), false);
  });
  test('ExternalSystemName: trimmed, 1-64 letters, digits, spaces, - or _', () => {
    assert.equal(ExternalSystemName.parse('  Accounting EU_2-b '), 'Accounting EU_2-b');
    assert.equal(ExternalSystemName.parse('x'.repeat(64)), 'x'.repeat(64));
    for (const bad of ['', '   ', 'x'.repeat(65), 'acc/ounting', 'acc.ounting', 'acc\tounting', 'ä'])
      assert.equal(ExternalSystemName.safeParse(bad).success, false, JSON.stringify(bad));
  });
  test('systemOf keeps a valid name a host hands back, and drops anything else', () => {
    assert.equal(systemOf(' accounting '), 'accounting');
    assert.equal(systemOf('bad/name'), null);
    assert.equal(systemOf(42), null);
    assert.equal(systemOf(undefined), null);
  });
  test('distinctSystems: one entry per name whatever its case, first spelling kept, sorted', () => {
    assert.deepEqual(distinctSystems(['warehouse', 'Accounting', null, 'accounting', ' ', 'Warehouse']), [
      'Accounting',
      'warehouse',
    ]);
  });
});

describe('changeOriginOf', () => {
  test("a task's record change carries the run, one chain step deeper, its effect key and the run's system", () => {
    assert.deepEqual(changeOriginOf({ id: 5, chainDepth: 1, originSystem: 'accounting' }, 'run:5:task:2'), {
      runId: 5,
      chainDepth: 2,
      effectKey: 'run:5:task:2',
      system: 'accounting',
    });
  });
  test('a run that came from no system passes none', () => {
    assert.deepEqual(changeOriginOf({ id: 5, chainDepth: 0, originSystem: null }), { runId: 5, chainDepth: 1 });
  });
});
