import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTransientDbError } from '../../../module/storage/transient-errors.js';

test('lost connections, deadlocks and pool timeouts are transient', () => {
  assert.equal(
    isTransientDbError(Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })),
    true,
  );
  assert.equal(isTransientDbError(Object.assign(new Error('gone'), { fatal: true })), true);
  assert.equal(isTransientDbError(Object.assign(new Error('Deadlock'), { code: 'ER_LOCK_DEADLOCK' })), true);
  assert.equal(isTransientDbError(Object.assign(new Error('pool'), { name: 'KnexTimeoutError' })), true);
});

test('errors about the work itself are not', () => {
  assert.equal(isTransientDbError(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' })), false);
  assert.equal(isTransientDbError(new Error('unknown field')), false);
  assert.equal(isTransientDbError(null), false);
  assert.equal(isTransientDbError('PROTOCOL_CONNECTION_LOST'), false);
});
