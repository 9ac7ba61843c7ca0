/** The reference host's HTTP server limits (host/server.ts createHttpServer), without listening. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS } from '../../../host/server.js';

const noop = () => undefined;

test('by default headers must arrive within 10 s, the whole request within 30 s; idle keep-alive lasts 5 s', () => {
  assert.deepEqual(DEFAULT_HTTP_TIMEOUTS, {
    headersMs: 10_000,
    requestMs: 30_000,
    keepAliveMs: 5_000,
    checkIntervalMs: 1_000,
  });
  const server = createHttpServer(undefined, noop);
  assert.equal(server.headersTimeout, 10_000);
  assert.equal(server.requestTimeout, 30_000);
  assert.equal(server.keepAliveTimeout, 5_000);
});

test('injected limits are applied; a partial set keeps the other defaults', () => {
  const server = createHttpServer({ headersMs: 200, keepAliveMs: 300 }, noop);
  assert.equal(server.headersTimeout, 200);
  assert.equal(server.requestTimeout, 30_000);
  assert.equal(server.keepAliveTimeout, 300);
});

test('nonsensical limits fail at start-up with a message naming the limit', () => {
  assert.throws(
    () => createHttpServer({ headersMs: 0 }, noop),
    /^Error: http timeout headersMs must be a positive number of milliseconds$/,
  );
  assert.throws(() => createHttpServer({ requestMs: 1.5 }, noop), /requestMs must be a positive/);
  assert.throws(() => createHttpServer({ headersMs: 40_000 }, noop), /headersMs must not be longer than requestMs/);
});
