/**
 * `npm run bench:scale` — scale-out (issue 7): 1, 2 and 4 `hookflow worker` processes on ONE
 * MariaDB/MySQL database drain the same queue to a receiver that answers after 20 ms, like a
 * remote service. For each fleet size: deliveries/s (from the commit of the batch to the last
 * `success` row), the speed-up over one worker measured in the same run, and the double sends
 * (a `webhook-id` the receiver saw more than once), which must be zero. Then every delivery
 * must be `success` with exactly one attempt row.
 * Two per-worker concurrencies: 4 (one worker is bound by the receiver's latency, so the gain
 * from more processes shows) and the default 16. The ceiling column is what the latency alone
 * allows: workers × concurrency / 20 ms. On a machine with few cores the workers, the database
 * and the receiver share the CPUs, which caps the larger fleets.
 * Each fleet size runs BENCH_ROUNDS (default 3) times, interleaved (round 1: 1, 2, 4 workers;
 * round 2: 2, 4, 1; …) so load from anything else on the machine hits every size alike; the
 * table shows the median with the min–max, the speed-up is of medians. Any double send, lost
 * delivery, failed or retried delivery or worker crash fails the run (exit 1).
 * Needs HOOKFLOW_BENCH_MYSQL_URL (or HOOKFLOW_TEST_MYSQL_URL), e.g. mysql://root@127.0.0.1:3306;
 * a throwaway database is created and dropped. Sizes scale with BENCH_SCALE (default 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkerFleet } from '../test/faults/lib/worker-fleet.js';
import { TEST_SECRET_KEY } from '../test/helpers/test-host.js';
import { benchMysqlUrl, clearQueues, createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { createBenchHost, createWebhookWorkflow } from './lib/host.js';
import { startReceiver, type Receiver } from './lib/receiver.js';
import { checkDeliveries, countSuccesses, enqueueMany, type QueueTarget } from './lib/deliveries.js';
import { durability, loadAverage, machineLine } from './lib/environment.js';
import { perSecond, printTable, showSpread, spread, waitUntil, type Row } from './lib/stats.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY_MS = 20;
const FLEETS = [1, 2, 4];
const CONCURRENCIES = [4, 16];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface FleetResult {
  rate: number;
  doubles: number;
  problems: string[];
}

/** Starts `workers` processes, drains `n` deliveries, stops them; the rate excludes start-up. */
async function runFleet(
  bench: BenchDatabase,
  t: QueueTarget,
  rx: Receiver,
  workers: number,
  n: number,
  dataDir: string,
): Promise<FleetResult> {
  await clearQueues(t.db);
  rx.webhookIds.clear();
  const fleet = createWorkerFleet({ databaseUrl: bench.url, dataDir });
  try {
    await fleet.start(workers);
    // Warm-up: every process claims, sends and records a few before the clock starts.
    await enqueueMany(t, 40 * workers, [rx.url]);
    await waitUntil('the warm-up', 60_000, async () => (await countSuccesses(t.db)) >= 40 * workers, 50);
    await clearQueues(t.db);
    rx.webhookIds.clear();
    const seen = rx.count();
    const started = performance.now();
    await enqueueMany(t, n, [rx.url]);
    await waitUntil(`${n} requests`, 300_000, async () => rx.count() - seen >= n, 5);
    await waitUntil(`${n} successful deliveries`, 60_000, async () => (await countSuccesses(t.db)) >= n, 5);
    const rate = (n / (performance.now() - started)) * 1000;
    await fleet.stopAll();
    if (fleet.crashes.length) throw new Error(`a worker crashed:\n${fleet.crashes.join('\n')}`);
    const doubles = [...rx.webhookIds.values()].filter((c) => c > 1).length;
    // Every queued delivery `success` after exactly one 2xx attempt, each webhook-id received once.
    const problems = await checkDeliveries(t.db, [rx], { expected: n });
    if (rx.webhookIds.size !== n) problems.push(`${rx.webhookIds.size} distinct webhook-ids for ${n} deliveries`);
    return { rate, doubles, problems };
  } finally {
    await fleet.stopAll('SIGKILL');
  }
}

async function main(): Promise<void> {
  const mysqlUrl = benchMysqlUrl();
  if (!mysqlUrl) {
    console.error('bench:scale needs MariaDB/MySQL: set HOOKFLOW_BENCH_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306');
    process.exit(2);
  }
  const n = Math.max(200, Math.round(3000 * SCALE));
  // Each worker fleet (test/faults/lib/worker-fleet.ts) adds a process 'exit' listener and never
  // removes it; one fleet per run is more than node's default 10 listeners.
  process.setMaxListeners(CONCURRENCIES.length * FLEETS.length * ROUNDS + 10);
  const bench = await createBenchDatabase('mysql', mysqlUrl);
  const rx = await startReceiver({ latencyMs: LATENCY_MS });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-scale-'));
  // The worker processes of the fleet run with TEST_SECRET_KEY: this process must seal with it too.
  const host = await createBenchHost(bench.db, {}, TEST_SECRET_KEY);
  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    await host.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
    const { workflowId, taskId } = await createWebhookWorkflow(host, rx.url);
    const t: QueueTarget = { db: bench.db, host, workflowId, taskId };
    console.log(`bench:scale — ${machineLine()}`);
    console.log(`${await durability(bench.db)}`);
    console.log(
      `receiver latency ${LATENCY_MS} ms, ${n} deliveries per run, ${ROUNDS} interleaved round(s) per fleet size; figures are median (min–max) over the rounds; load average at start: ${loadAverage()}`,
    );
    if (ROUNDS < 3)
      console.log(`note: ${ROUNDS} round(s) — a development run; the benchmark's figures need at least 3`);
    console.log('');
    for (const concurrency of CONCURRENCIES) {
      // Settings live in the database: the worker processes read them at start. The per-host
      // cap is raised so it is not what limits a fleet (it applies across all processes).
      await host.hookflow.services.settings.save({
        outboundAllowlist: ['127.0.0.1/32'],
        pollIntervalMs: 50,
        maxConcurrency: concurrency,
        perHostConcurrency: 128,
      });
      const results = new Map<number, FleetResult[]>(FLEETS.map((w) => [w, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < FLEETS.length; i++) {
          const workers = FLEETS[(i + round) % FLEETS.length]; // rotated: each size in each position
          const r = await runFleet(bench, t, rx, workers, n, dataDir);
          results.get(workers)!.push(r);
          failures.push(...r.problems.map((p) => `${workers} workers × ${concurrency}, round ${round + 1}: ${p}`));
          console.error(
            `  round ${round + 1}/${ROUNDS} ${workers} × ${concurrency}: ${perSecond(r.rate)}, ${r.doubles} double sends${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`,
          );
        }
      }
      const single = spread(results.get(1)!.map((r) => r.rate)).median;
      for (const workers of FLEETS) {
        const rs = results.get(workers)!;
        const rate = spread(rs.map((r) => r.rate));
        const doubles = rs.reduce((a, r) => a + r.doubles, 0);
        const clean = rs.every((r) => r.problems.length === 0);
        const ceiling = (workers * concurrency * 1000) / LATENCY_MS;
        rows.push({
          engine: 'mysql',
          metric: `${workers} worker${workers > 1 ? 's' : ''} × concurrency ${concurrency} (ceiling ${perSecond(ceiling)})`,
          actual: `${showSpread(rate, perSecond)}, ${doubles} double sends`,
          baseline: `${perSecond(single)} (1 worker)`,
          ratio: `${(rate.median / single).toFixed(2)}×`,
          target: '0 double sends, every delivery success',
          pass: doubles === 0 && clean,
        });
      }
    }
  } finally {
    await host.close();
    await rx.close();
    await bench.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('');
  printTable(rows);
  console.log(`\nload average at end: ${loadAverage()}`);
  if (failures.length) {
    console.error(`\nbench:scale FAILED:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
