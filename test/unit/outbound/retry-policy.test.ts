import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideAfterAttempt,
  parseRetryAfter,
  type RetryInput,
  type AttemptResult,
} from '../../../module/outbound/retry-policy.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const H = 3_600_000;

function decide(result: AttemptResult, over: Partial<RetryInput> = {}) {
  return decideAfterAttempt({
    attemptNo: 1,
    result,
    schedule: [3600, 7200, 14400],
    jitter: 0,
    retryAfterCapSeconds: 86400,
    firstAttemptAtMs: T0,
    nowMs: T0 + 1000,
    random: () => 0,
    ...over,
  });
}
const status = (statusCode: number, retryAfter?: string | null): AttemptResult => ({
  kind: 'response',
  statusCode,
  retryAfter,
});

describe('decideAfterAttempt: outcomes', () => {
  test('2xx is success', () => {
    for (const code of [200, 201, 202, 204, 299]) assert.deepEqual(decide(status(code)), { action: 'success' });
  });

  test('3xx retries: redirects are not followed', () => {
    const d = decide(status(302));
    assert.equal(d.action, 'retry');
    assert.equal(d.action === 'retry' && d.reason, 'redirect not followed (302)');
  });

  test('410 fails now and disables the webhook', () => {
    const d = decide(status(410));
    assert.equal(d.action, 'fail');
    assert.equal(d.action === 'fail' && d.disableWebhook, true);
  });

  test('410 from a URL carrying record data fails that delivery only, even on the last attempt', () => {
    for (const attemptNo of [1, 4]) {
      const d = decide(status(410), { attemptNo, urlCarriesRecordData: true });
      assert.equal(d.action, 'fail');
      assert.equal(d.action === 'fail' && d.disableWebhook, undefined);
      assert.match(d.action === 'fail' ? d.reason : '', /only this delivery fails/);
    }
  });

  test('other 4xx, 5xx, 1xx, timeouts and network errors retry on schedule', () => {
    for (const code of [100, 400, 401, 403, 404, 405, 408, 409, 413, 422, 425, 500, 502, 504]) {
      const d = decide(status(code));
      assert.deepEqual(d, { action: 'retry', atMs: T0 + H, reason: `HTTP ${code}` }, String(code));
    }
    assert.deepEqual(decide({ kind: 'timeout', message: 'after 15000 ms' }), {
      action: 'retry',
      atMs: T0 + H,
      reason: 'timeout: after 15000 ms',
    });
    assert.deepEqual(decide({ kind: 'network_error', message: 'ECONNREFUSED' }), {
      action: 'retry',
      atMs: T0 + H,
      reason: 'network error: ECONNREFUSED',
    });
  });

  test('blocked fails immediately without disabling', () => {
    const d = decide({ kind: 'blocked', message: '10.0.0.1 is private' });
    assert.deepEqual(d, { action: 'fail', reason: 'blocked: 10.0.0.1 is private' });
  });

  test('retries exhausted after the last slot', () => {
    const d = decide(status(500), { attemptNo: 4, nowMs: T0 + 4 * H });
    assert.equal(d.action, 'fail');
    assert.match(d.action === 'fail' ? d.reason : '', /^retries exhausted/);
    assert.equal(d.action === 'fail' && d.exhausted, true, 'marked exhausted (a held destination keeps it waiting)');
    assert.equal(decide(status(500), { attemptNo: 1, schedule: [] }).action, 'fail');
    assert.equal(decide(status(200), { attemptNo: 4 }).action, 'success');
  });
});

describe('decideAfterAttempt: timing', () => {
  test('retry k is due at first attempt + schedule[k-1]', () => {
    assert.equal((decide(status(500), { attemptNo: 2, nowMs: T0 + H }) as { atMs: number }).atMs, T0 + 2 * H);
    assert.equal((decide(status(500), { attemptNo: 3, nowMs: T0 + 2 * H }) as { atMs: number }).atMs, T0 + 4 * H);
  });

  test('jitter adds [0, jitter × delay) from random()', () => {
    const at = (r: number) => (decide(status(500), { jitter: 0.1, random: () => r }) as { atMs: number }).atMs;
    assert.equal(at(0), T0 + H);
    assert.equal(at(0.5), T0 + H + 0.05 * H);
    assert.ok(at(0.999999999) < T0 + H + 0.1 * H);
    assert.ok(at(1) < T0 + H + 0.1 * H, 'a random() returning 1 is clamped');
  });

  test('never earlier than now', () => {
    const d = decide(status(500), { attemptNo: 2, nowMs: T0 + 3 * H });
    assert.equal((d as { atMs: number }).atMs, T0 + 3 * H);
  });

  test('429 and 503 honour a later Retry-After (seconds and HTTP-date)', () => {
    const now = T0 + 1000;
    const d1 = decide(status(429, '7200'), { nowMs: now });
    assert.equal((d1 as { atMs: number }).atMs, now + 2 * H);
    const date = new Date(now + 3 * H).toUTCString();
    const d2 = decide(status(503, date), { nowMs: now });
    assert.equal((d2 as { atMs: number }).atMs, now + 3 * H);
  });

  test('an earlier Retry-After does not pull the slot forward', () => {
    assert.equal((decide(status(429, '60')) as { atMs: number }).atMs, T0 + H);
  });

  test('Retry-After is capped', () => {
    const d = decide(status(503, '999999'), { retryAfterCapSeconds: 10800 });
    assert.equal((d as { atMs: number }).atMs, T0 + 1000 + 3 * H);
  });

  test('Retry-After on other statuses is ignored', () => {
    assert.equal((decide(status(500, '99999')) as { atMs: number }).atMs, T0 + H);
  });

  test('is pure: same input, same output', () => {
    const input = { jitter: 0.3, random: () => 0.42 };
    assert.deepEqual(decide(status(502), input), decide(status(502), input));
  });

  test('refuses nonsensical input', () => {
    assert.throws(() => decide(status(500), { attemptNo: 0 }), /attemptNo/);
    assert.throws(() => decide(status(500), { jitter: 0.9 }), /jitter/);
    assert.throws(() => decide(status(500), { schedule: [-1] }), /schedule/);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 0);
  test('delta-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });
  test('the three HTTP-date forms, as GMT', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 37_000);
    assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), 37_000);
    assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994', now), 37_000);
  });
  test('a past date gives 0', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now), 0);
  });
  test('garbage gives null', () => {
    for (const v of [
      null,
      undefined,
      '',
      '-5',
      '1.5',
      'soon',
      '2025-01-01T00:00:00Z',
      'Sun, 06 Xyz 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:49:37 GMT',
    ]) {
      assert.equal(parseRetryAfter(v, now), null, String(v));
    }
  });
});
