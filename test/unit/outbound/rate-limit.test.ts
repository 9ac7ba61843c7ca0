import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterTooManyRequests,
  availableTokens,
  burstOf,
  freshBucket,
  parseRateLimit,
  parseRateRule,
  rateLimitFor,
  SLOW_MS,
  takeTokens,
  type RateLimit,
  type RateRule,
} from '../../../module/outbound/rate-limit.js';
import { resolveSettings } from '../../../module/config.js';

const limit = (text: string): RateLimit => parseRateLimit(text)!;
const rule = (line: string): RateRule => parseRateRule(line) as RateRule;

describe('parseRateLimit', () => {
  test('per second and per minute, in every spelling; the same rate either way', () => {
    assert.deepEqual(parseRateLimit('10/s'), { perSecond: 10, text: '10/s' });
    assert.deepEqual(parseRateLimit(' 600 / min '), { perSecond: 10, text: '600/m' });
    assert.equal(parseRateLimit('30/minute')!.perSecond, 0.5);
    assert.equal(parseRateLimit('2.5/sec')!.perSecond, 2.5);
    assert.equal(parseRateLimit('1/second')!.perSecond, 1);
  });
  test('refuses what is not a rate above 0, never guesses', () => {
    for (const bad of ['0/s', '0.0/m', '-1/s', '10', '10/h', '10/d', 's/10', '', '1e3/s', 'ten/s', '10/s/s'])
      assert.equal(parseRateLimit(bad), null, bad);
  });
});

describe('parseRateRule', () => {
  test('host, optional port, lower-cased; IPv6 in brackets', () => {
    assert.deepEqual(rule('API.Example.com 5/s'), { host: 'api.example.com', port: null, limit: limit('5/s') });
    assert.deepEqual(rule('api.example.com:8443 60/m'), {
      host: 'api.example.com',
      port: '8443',
      limit: limit('60/m'),
    });
    assert.equal(rule('[::1]:8080 1/s').host, '[::1]');
  });
  test('a bad line says which part is wrong', () => {
    assert.match((parseRateRule('api.example.com') as { error: string }).error, /write a host and a limit/);
    assert.match((parseRateRule('http://x.com 5/s') as { error: string }).error, /not a host name/);
    assert.match((parseRateRule('x.com 0/s') as { error: string }).error, /"0\/s" is not a rate above 0/);
  });
});

describe('rateLimitFor (which limit a destination has)', () => {
  const rules = [rule('a.example:8443 1/s'), rule('a.example 2/s'), rule('b.example 3/s')];
  test('host and port first, then the host on any port, then the default', () => {
    assert.equal(rateLimitFor('a.example:8443', rules, limit('9/s'))!.perSecond, 1);
    assert.equal(rateLimitFor('a.example:443', rules, limit('9/s'))!.perSecond, 2);
    assert.equal(rateLimitFor('A.EXAMPLE', rules, limit('9/s'))!.perSecond, 2);
    assert.equal(rateLimitFor('c.example:80', rules, limit('9/s'))!.perSecond, 9);
  });
  test('no rule and no default: unlimited', () => {
    assert.equal(rateLimitFor('c.example', rules, null), null);
  });
});

describe('token buckets', () => {
  const ten = limit('10/s');
  test('a fresh bucket holds one second of requests, at least one', () => {
    assert.equal(availableTokens(ten, null, 5_000), 10);
    assert.equal(availableTokens(limit('30/m'), null, 5_000), 1);
    assert.equal(burstOf(0.5), 1);
  });
  test('taking spends; it refills continuously at the rate, never past the burst', () => {
    const spent = takeTokens(ten, null, 10, 1_000);
    assert.equal(availableTokens(ten, spent, 1_000), 0);
    assert.equal(availableTokens(ten, spent, 1_099), 0);
    assert.equal(availableTokens(ten, spent, 1_100), 1);
    assert.equal(availableTokens(ten, spent, 1_550), 5);
    assert.equal(availableTokens(ten, spent, 60_000), 10);
    const again = takeTokens(ten, spent, 5, 1_550);
    assert.equal(availableTokens(ten, again, 1_550), 0);
  });
  test('over any stretch, no more than burst + rate × time may start', () => {
    let b = null;
    let started = 0;
    for (let t = 0; t <= 30_000; t += 7) {
      const n = availableTokens(ten, b, t);
      b = takeTokens(ten, b, n, t);
      started += n;
    }
    assert.ok(started <= 10 + 10 * 30, `started ${started}`);
    assert.ok(started >= 10 * 30, `started ${started}`);
  });
  test('no limit: unlimited, unless a 429 paused the destination', () => {
    assert.equal(availableTokens(null, null, 0), Infinity);
    const paused = afterTooManyRequests(null, 2_000, 86_400_000, 1_000);
    assert.equal(availableTokens(null, paused, 2_999), 0);
    assert.equal(availableTokens(null, paused, 3_000), Infinity);
  });
  test('a 429 pauses for its Retry-After (capped), then halves the limit for a while', () => {
    const b = afterTooManyRequests(freshBucket(ten, 0), 2_000, 86_400_000, 1_000);
    assert.equal(b.pausedUntilMs, 3_000);
    assert.equal(availableTokens(ten, b, 2_999), 0);
    // Half the rate after the pause: 5/s, so 1 s later 5 requests, and a burst of 5.
    assert.equal(availableTokens(ten, b, 4_000), 5);
    assert.equal(availableTokens(ten, b, 3_000 + SLOW_MS - 1), 5);
    assert.equal(availableTokens(ten, b, 3_000 + SLOW_MS + 1), 10);
    assert.equal(afterTooManyRequests(null, 10_000_000, 60_000, 0).pausedUntilMs, 60_000, 'capped');
  });
  test('a 429 without Retry-After does not pause, but slows', () => {
    const b = afterTooManyRequests(null, null, 86_400_000, 1_000);
    assert.equal(b.pausedUntilMs, null);
    assert.equal(availableTokens(ten, b, 2_000), 5);
  });
});

describe('rate-limit settings', () => {
  test('a limit of 0 or a bad rule stops start-up naming the setting', () => {
    assert.throws(
      () => resolveSettings({ destinationRateLimit: '0/s' }),
      /setting destinationRateLimit: must be a rate above 0/,
    );
    assert.throws(
      () => resolveSettings({ destinationRateLimits: ['api.example.com 5/s', 'api.example.com -3/s'] }),
      /setting destinationRateLimits: "-3\/s" is not a rate above 0/,
    );
    assert.equal(resolveSettings({}).destinationRateLimit, '');
    assert.deepEqual(resolveSettings({ destinationRateLimits: ['x.example 5/m'] }).destinationRateLimits, [
      'x.example 5/m',
    ]);
  });
});
