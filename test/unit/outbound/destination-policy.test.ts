import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  attemptVerdict,
  destinationPolicyOf,
  healthyDestination,
  keepWhileHeld,
  nextDestinationHealth,
  nextProbeDelayMs,
  shouldPauseDestination,
  type AttemptSeen,
  type DestinationHealth,
} from '../../../module/outbound/destination-policy.js';

const S = { pauseAfterFailures: 3, probeSeconds: 30, probeMaxSeconds: 300 };
const T0 = Date.UTC(2026, 11, 2, 10, 42);
const down = (deliveryId: number, nowMs = T0): AttemptSeen => ({
  deliveryId,
  verdict: 'down',
  error: 'HTTP 503',
  nowMs,
});
const up = (deliveryId: number, nowMs = T0): AttemptSeen => ({ deliveryId, verdict: 'up', error: null, nowMs });
const run = (attempts: AttemptSeen[], from: DestinationHealth = healthyDestination('acct.example:443')) =>
  attempts.reduce((h, a) => nextDestinationHealth(h, a, S), from);

describe('attemptVerdict: what an attempt says about its destination', () => {
  test('no connection, timeouts, 5xx, 429 and 408 say it is down', () => {
    for (const a of [
      { outcome: 'network_error', statusCode: null },
      { outcome: 'timeout', statusCode: null },
      ...[500, 502, 503, 504, 429, 408].map((s) => ({ outcome: 'http_error', statusCode: s })),
    ]) {
      assert.equal(attemptVerdict(a), 'down', JSON.stringify(a));
    }
  });
  test("any other answer says it is up: 2xx, and a 4xx about this one request (a 422 is the record's fault)", () => {
    for (const s of [200, 204, 301, 400, 401, 404, 410, 422])
      assert.equal(attemptVerdict({ outcome: 'http_error', statusCode: s }), 'up', String(s));
  });
  test('an address-guard refusal (no request made) says nothing', () => {
    assert.equal(attemptVerdict({ outcome: 'blocked', statusCode: null }), 'neutral');
  });
});

describe('shouldPauseDestination', () => {
  test('holds at the threshold, not before; 0 never holds', () => {
    assert.equal(shouldPauseDestination(2, S), false);
    assert.equal(shouldPauseDestination(3, S), true);
    assert.equal(shouldPauseDestination(1000, { ...S, pauseAfterFailures: 0 }), false);
  });
  test('the settings turn holding off with 0', () => {
    assert.equal(
      destinationPolicyOf({
        destinationPauseAfterFailures: 0,
        destinationProbeSeconds: 30,
        destinationProbeMaxSeconds: 3600,
      }),
      undefined,
    );
    assert.deepEqual(
      destinationPolicyOf({
        destinationPauseAfterFailures: 10,
        destinationProbeSeconds: 30,
        destinationProbeMaxSeconds: 3600,
      }),
      { pauseAfterFailures: 10, probeSeconds: 30, probeMaxSeconds: 3600 },
    );
  });
});

describe('nextProbeDelayMs', () => {
  test('doubles from the base after each failed probe, up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 50].map((n) => nextProbeDelayMs(n, S) / 1000),
      [30, 60, 120, 240, 300, 300],
    );
  });
  test('a cap below the base is the base', () => {
    assert.equal(nextProbeDelayMs(5, { ...S, probeMaxSeconds: 1 }), 30_000);
  });
});

describe('nextDestinationHealth', () => {
  test('failures count up from the first one; below the threshold nothing is held', () => {
    const h = run([down(1, T0), down(2, T0 + 5)]);
    assert.deepEqual([h.consecutiveFailures, h.failingSince, h.pausedAt, h.lastError], [2, T0, null, 'HTTP 503']);
  });
  test('the threshold holds it and schedules the first probe a base delay later', () => {
    const h = run([down(1), down(2), down(3, T0 + 9)]);
    assert.deepEqual([h.pausedAt, h.nextProbeAt, h.probeCount], [T0 + 9, T0 + 9 + 30_000, 0]);
  });
  test('a success ends the streak (and a hold) entirely', () => {
    assert.deepEqual(run([down(1), down(2), down(3), up(4)]), healthyDestination('acct.example:443'));
    assert.equal(run([down(1), up(2), down(3), down(4)]).pausedAt, null, 'not consecutive');
  });
  test('a failed probe backs off; a failure of a delivery that was already in flight does not', () => {
    const held = { ...run([down(1), down(2), down(3)]), probeDeliveryId: 1 };
    const leftover = nextDestinationHealth(held, down(2, T0 + 100), S);
    assert.deepEqual([leftover.probeCount, leftover.nextProbeAt, leftover.probeDeliveryId], [0, held.nextProbeAt, 1]);
    const probed = nextDestinationHealth(held, down(1, T0 + 200), S);
    assert.deepEqual(
      [probed.probeCount, probed.nextProbeAt, probed.probeDeliveryId, probed.consecutiveFailures],
      [1, T0 + 200 + 60_000, null, 4],
    );
  });
  test('a probe that could not be made (address guard) hands over to the next one at once', () => {
    const held = { ...run([down(1), down(2), down(3)]), probeDeliveryId: 1 };
    const h = nextDestinationHealth(held, { deliveryId: 1, verdict: 'neutral', error: 'blocked', nowMs: T0 + 50 }, S);
    assert.deepEqual([h.probeDeliveryId, h.nextProbeAt, h.pausedAt], [null, T0 + 50, held.pausedAt]);
    assert.equal(
      nextDestinationHealth(healthyDestination('x'), { deliveryId: 9, verdict: 'neutral', error: null, nowMs: T0 }, S)
        .consecutiveFailures,
      0,
    );
  });
});

describe('keepWhileHeld', () => {
  test('only an exhausted failure to a held destination keeps waiting', () => {
    assert.equal(keepWhileHeld(true, { status: 'failed', exhausted: true }), true);
    assert.equal(keepWhileHeld(false, { status: 'failed', exhausted: true }), false, 'not held: it fails as before');
    assert.equal(keepWhileHeld(true, { status: 'failed' }), false, 'a permanent failure (410, blocked) still fails');
    assert.equal(keepWhileHeld(true, { status: 'queued' }), false);
  });
});
