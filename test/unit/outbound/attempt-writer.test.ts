/** The attempt write's retry rule (attempt-writer.ts), rule by rule, with a fake write and wait. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ATTEMPT_WRITE_TRIES,
  attemptWriteRetryDelayMs,
  retryTransient,
} from '../../../module/outbound/attempt-writer.js';

const dropped = () => Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

/** A write failing with `errors` in turn, then answering true; counts its calls. */
function fakeWrite(errors: Error[]) {
  const s = { calls: 0 };
  return {
    s,
    write: async () => {
      s.calls += 1;
      const e = errors[s.calls - 1];
      if (e) throw e;
      return true;
    },
  };
}

test('the delays double from 100 ms, stay at most 2 s, and end after the last try', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(attemptWriteRetryDelayMs), [100, 200, 400, 800, 1600, 2000, 2000]);
  assert.equal(attemptWriteRetryDelayMs(ATTEMPT_WRITE_TRIES), null);
});

test('a transient error is retried after the delay until the write succeeds', async () => {
  const waits: number[] = [];
  const f = fakeWrite([dropped(), dropped(), dropped()]);
  assert.equal(await retryTransient(f.write, { wait: async (ms) => void waits.push(ms) }), true);
  assert.equal(f.s.calls, 4);
  assert.deepEqual(waits, [100, 200, 400]);
});

test('any other error is thrown at once', async () => {
  const f = fakeWrite([new Error('ER_BAD_FIELD_ERROR')]);
  await assert.rejects(retryTransient(f.write, { wait: async () => undefined }), /ER_BAD_FIELD_ERROR/);
  assert.equal(f.s.calls, 1);
});

test('after the last try the transient error is thrown', async () => {
  const f = fakeWrite(Array.from({ length: ATTEMPT_WRITE_TRIES + 2 }, dropped));
  await assert.rejects(retryTransient(f.write, { wait: async () => undefined }), /Connection lost/);
  assert.equal(f.s.calls, ATTEMPT_WRITE_TRIES);
});

test('no retry once the lease is lost, also when it is lost during the wait', async () => {
  const lost = new AbortController();
  lost.abort();
  const f = fakeWrite([dropped()]);
  await assert.rejects(retryTransient(f.write, { lease: lost.signal, wait: async () => undefined }), /Connection lost/);
  assert.equal(f.s.calls, 1);

  const losing = new AbortController();
  const g = fakeWrite([dropped()]);
  const wait = async () => losing.abort();
  await assert.rejects(retryTransient(g.write, { lease: losing.signal, wait }), /Connection lost/);
  assert.equal(g.s.calls, 1);
});
