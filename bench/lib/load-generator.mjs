#!/usr/bin/env node
/**
 * The benchmarks' load generator, run as its OWN process (`node bench/lib/load-generator.mjs
 * '<json options>'`) so the client's CPU work is not done by the event loop of the server it
 * measures. It drives autocannon (its programmatic API, one process, no workers) for `seconds`
 * with `connections` keep-alive connections, one request in flight on each, and prints one
 * JSON line on stdout:
 *   { ok2xx, non2xx, statusCodes: { "429": n, ... }, errors, timeouts, seconds, rps2xx,
 *     p50, p90, p99, max, autocannon }
 * rps2xx counts ONLY 2xx answers; the latency percentiles are of 2xx answers only, taken from
 * every single response time (float ms, nearest rank), not from autocannon's 1 ms histogram.
 * Requests still in flight when the time is up are abandoned (the server may still finish them).
 * Options: { url, seconds, connections, method?, headers?, body? }.
 */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2] ?? '{}');
if (!opts.url || !(opts.seconds > 0) || !(opts.connections > 0)) {
  console.error('usage: load-generator.mjs \'{"url":"http://127.0.0.1:1234/x","seconds":5,"connections":16}\'');
  process.exit(2);
}

const version = createRequire(import.meta.url)('autocannon/package.json').version;
const latencies = [];
const instance = autocannon({
  url: opts.url,
  method: opts.method ?? 'POST',
  headers: opts.headers ?? {},
  body: opts.body,
  connections: opts.connections,
  pipelining: 1,
  duration: opts.seconds,
  timeout: 30,
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
});
const result = await instance;
latencies.sort((a, b) => a - b);
const rank = (p) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))]);
const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
process.stdout.write(`${JSON.stringify({
  ok2xx: result['2xx'],
  non2xx: result.non2xx,
  statusCodes,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds: result.duration,
  rps2xx: result['2xx'] / result.duration,
  p50: rank(50), p90: rank(90), p99: rank(99), max: rank(100),
  autocannon: version,
})}\n`);
