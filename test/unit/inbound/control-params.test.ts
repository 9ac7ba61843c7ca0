import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlParams } from '../../../module/inbound/control-params.js';
import { HookflowError } from '../../../module/errors.js';

const fieldsOf = (q: string) => {
  try {
    parseControlParams(q);
  } catch (err) {
    assert.ok(err instanceof HookflowError);
    assert.equal(err.status, 400);
    return err.fields ?? {};
  }
  assert.fail(`expected ${q} to be refused`);
};

test('trigger or workflow_id with record_id; record_id defaults to 0', () => {
  assert.deepEqual(parseControlParams('trigger=leadform&record_id=0'), {
    recordId: 0,
    triggerName: 'leadform',
    extra: {},
  });
  assert.deepEqual(parseControlParams('?record_id=852&workflow_id=77'), { recordId: 852, workflowId: 77, extra: {} });
  assert.equal(parseControlParams('trigger=t').recordId, 0);
});

test('mode is sync or async', () => {
  assert.equal(parseControlParams('trigger=t&mode=async').mode, 'async');
  assert.ok('mode' in fieldsOf('trigger=t&mode=ASYNC'));
});

test('other parameters are kept apart as extra, repeated ones as arrays', () => {
  assert.deepEqual(parseControlParams('trigger=t&utm=a&utm=b&x=1').extra, { utm: ['a', 'b'], x: '1' });
});

test('at most one of workflow_id and trigger; neither leaves the target to the token', () => {
  assert.deepEqual(parseControlParams('record_id=0'), { recordId: 0, extra: {} });
  assert.ok('workflow_id' in fieldsOf('workflow_id=1&trigger=t'));
});

test('arrays, repeats and bracket forms of control parameters are refused', () => {
  assert.ok('record_id' in fieldsOf('trigger=t&record_id[]=1'));
  assert.ok('record_id' in fieldsOf('trigger=t&record_id[a]=1'));
  assert.ok('record_id' in fieldsOf('trigger=t&record_id=1&record_id=2'));
  assert.ok('workflow_id' in fieldsOf('workflow_id[]=1'));
});

test('numbers: digits only, no sign, no leading zeros, within 2^53', () => {
  for (const bad of ['1%20OR%201=1', '-1', '+1', '01', '1.0', '1e3', '9007199254740993', '0x10', '', '%201']) {
    assert.ok('record_id' in fieldsOf(`trigger=t&record_id=${bad}`), bad);
  }
  assert.equal(parseControlParams('trigger=t&record_id=9007199254740991').recordId, 9007199254740991);
  assert.ok('workflow_id' in fieldsOf('workflow_id=0'));
});

test('trigger names are 1-64 of letters, digits, _ and -', () => {
  assert.ok('trigger' in fieldsOf('trigger=a%20b'));
  assert.ok('trigger' in fieldsOf(`trigger=${'a'.repeat(65)}`));
  assert.ok('trigger' in fieldsOf('trigger=../etc'));
  assert.equal(parseControlParams('trigger=Lead_form-2').triggerName, 'Lead_form-2');
});
