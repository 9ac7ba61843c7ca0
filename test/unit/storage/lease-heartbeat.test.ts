/**
 * The lease heartbeat on its own (no database): when it renews, when it gives a lease up, that it
 * aborts the work's signal with a LeaseLostError, and that no timer outlives the work. Its timers
 * are moved by hand, so nothing here waits on a clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isLeaseLost,
  LeaseLostError,
  mayExpireBeforeNextRenewal,
  renewIntervalMs,
  untilAborted,
  withLeaseHeartbeat,
} from '../../../module/storage/lease-heartbeat.js';
import { createManualTimers } from '../../helpers/manual-timers.js';

/** A gate the test opens: the work "in flight" until then. */
function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

test('a lease is renewed every third of it, never more often than every 50 ms', () => {
  assert.equal(renewIntervalMs(60_000), 20_000);
  assert.equal(renewIntervalMs(5_000), 1_666);
  assert.equal(renewIntervalMs(90), 50);
});

test('a lease is given up once it could run out before the next renewal lands', () => {
  // Lease 60 s, renewals every 20 s: confirmed at 0, the beats at 20 s and 40 s may fail; at 40 s
  // the next renewal (60 s) would come too late.
  assert.equal(mayExpireBeforeNextRenewal(0, 20_000, 60_000), false);
  assert.equal(mayExpireBeforeNextRenewal(0, 39_999, 60_000), false);
  assert.equal(mayExpireBeforeNextRenewal(0, 40_000, 60_000), true);
  assert.equal(mayExpireBeforeNextRenewal(20_000, 40_000, 60_000), false);
});

test('while the work is in flight the lease is renewed on the timer; the timer is gone when it ends', async (t) => {
  const timers = createManualTimers();
  const gate = createGate();
  t.after(() => gate.open());
  let renewals = 0;
  const work = withLeaseHeartbeat(
    {
      renew: async () => {
        renewals++;
        return true;
      },
      leaseMs: 3000,
      timers,
    },
    async (signal) => {
      await gate.opened;
      return signal.aborted ? 'aborted' : 'done';
    },
  );
  await timers.advance(999);
  assert.equal(renewals, 0, 'not before a third of the lease');
  await timers.advance(1);
  await timers.advance(2000);
  assert.equal(renewals, 3, 'one renewal per 1000 ms');
  gate.open();
  assert.equal(await work, 'done');
  assert.equal(timers.active(), 0, 'no timer left running');
  await timers.advance(5000);
  assert.equal(renewals, 3, 'nothing renewed after the work ended');
});

test('a renewal that finds the lease taken aborts the work with a LeaseLostError', async () => {
  const timers = createManualTimers();
  let reason: unknown = null;
  const work = withLeaseHeartbeat(
    { renew: async () => false, leaseMs: 3000, timers },
    (signal) =>
      new Promise<string>((resolve) => {
        signal.addEventListener('abort', () => {
          reason = signal.reason;
          resolve('stopped');
        });
      }),
  );
  await timers.advance(1000);
  assert.equal(await work, 'stopped');
  assert.ok(reason instanceof LeaseLostError && isLeaseLost(reason), String(reason));
  assert.match(String((reason as Error).message), /lease lost: another worker holds it now/);
  assert.equal(timers.active(), 0);
});

test('failed renewals keep the work going until the lease may run out; an error thrown by the work still clears the timer', async () => {
  const timers = createManualTimers();
  const errors: unknown[] = [];
  let aborted: unknown = null;
  const work = withLeaseHeartbeat(
    {
      renew: async () => {
        throw new Error('database away');
      },
      leaseMs: 3000,
      timers,
      onRenewError: (e) => errors.push(e),
    },
    (signal) =>
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(new Error('work gave up'));
        });
      }),
  );
  await timers.advance(1000);
  assert.ok(aborted === null, 'one failed renewal: the lease still has 2 s');
  await timers.advance(1000);
  assert.ok(isLeaseLost(aborted), 'the second failure: it could run out before the third');
  assert.match(String(aborted), /could not be renewed before it runs out/);
  await assert.rejects(work, /work gave up/);
  assert.equal(errors.length, 2);
  assert.equal(timers.active(), 0);
});

test('a renewal in flight when the work ends is waited for; renewals never overlap', async () => {
  const timers = createManualTimers();
  let release!: (kept: boolean) => void;
  let calls = 0;
  const renew = () => {
    calls++;
    return new Promise<boolean>((resolve) => {
      release = resolve;
    });
  };
  let settled = false;
  const done = withLeaseHeartbeat({ renew, leaseMs: 300, timers }, async () => 'ok').then((v) => {
    settled = true;
    return v;
  });
  // The work has ended before any beat: nothing renews.
  assert.equal(await done, 'ok');
  assert.equal(calls, 0);
  const gate = createGate();
  const slow = withLeaseHeartbeat({ renew, leaseMs: 300, timers }, () => gate.opened.then(() => 'late'));
  const firstBeat = timers.advance(100); // fires once, then waits for that renewal
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1);
  gate.open();
  release(true);
  await firstBeat;
  assert.equal(await slow, 'late');
  assert.equal(calls, 1, 'no second renewal while the first was in flight');
  assert.ok(settled);
  assert.equal(timers.active(), 0);
});

test('untilAborted stops waiting when the signal aborts, and swallows a late rejection', async () => {
  const controller = new AbortController();
  let fail!: (e: Error) => void;
  const pending = new Promise<string>((_, reject) => {
    fail = reject;
  });
  const waiting = untilAborted(pending, controller.signal);
  controller.abort(new LeaseLostError('lease lost: test'));
  await assert.rejects(waiting, LeaseLostError);
  fail(new Error('late'));
  assert.equal(await untilAborted(Promise.resolve('ok'), new AbortController().signal), 'ok');
  await assert.rejects(
    untilAborted(Promise.resolve('x'), controller.signal),
    LeaseLostError,
    'already aborted: rejects at once',
  );
});
