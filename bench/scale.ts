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
 * Needs HOOKFLOW_BENCH_MYSQL_URL (or HOOKFLOW_TEST_MYSQL_URL), e.g. mysql://root@127.0.0.1:3306;
 * a throwaway database is created and dropped. Sizes scale with BENCH_SCALE (default 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkerFleet } from '../test/faults/lib/worker-fleet.js';
import { benchMysqlUrl, clearQueues, createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { createBenchHost, createWebhookWorkflow } from './lib/host.js';
import { startReceiver, type Receiver } from './lib/receiver.js';
import { countSuccesses, enqueueMany, type QueueTarget } from './lib/deliveries.js';
import { perSecond, printTable, waitUntil, type Row } from './lib/stats.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY_MS = 20;
const FLEETS = [1, 2, 4];
const CONCURRENCIES = [4, 16];

interface FleetResult { rate: number; doubles: number; problems: string[] }

/** Every queued delivery must be `success` with exactly one attempt row. */
async function checkLog(t: QueueTarget, n: number): Promise<string[]> {
  const problems: string[] = [];
  const byStatus = (await t.db('hookflow_deliveries').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: number | string }>;
  const notSuccess = byStatus.filter((r) => r.status !== 'success').map((r) => `${r.n} ${r.status}`);
  if (notSuccess.length) problems.push(`not success: ${notSuccess.join(', ')}`);
  const attempts = Number((await t.db('hookflow_attempts').count({ n: '*' }))[0].n);
  if (attempts !== n) problems.push(`${attempts} attempt rows for ${n} deliveries`);
  return problems;
}

/** Starts `workers` processes, drains `n` deliveries, stops them; the rate excludes start-up. */
async function runFleet(bench: BenchDatabase, t: QueueTarget, rx: Receiver, workers: number, n: number, dataDir: string): Promise<FleetResult> {
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
    const problems = await checkLog(t, n);
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
  const bench = await createBenchDatabase('mysql', mysqlUrl);
  const rx = await startReceiver({ latencyMs: LATENCY_MS });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-scale-'));
  const host = await createBenchHost(bench.db, {});
  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    await host.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
    const { workflowId, taskId } = await createWebhookWorkflow(host, rx.url);
    const t: QueueTarget = { db: bench.db, host, workflowId, taskId };
    console.log(`bench:scale on ${os.cpus().length} CPUs, receiver latency ${LATENCY_MS} ms, ${n} deliveries per run\n`);
    for (const concurrency of CONCURRENCIES) {
      // Settings live in the database: the worker processes read them at start. The per-host
      // cap is raised so it is not what limits a fleet (it applies across all processes).
      await host.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'], pollIntervalMs: 50, maxConcurrency: concurrency, perHostConcurrency: 128 });
      let single = 0;
      for (const workers of FLEETS) {
        const r = await runFleet(bench, t, rx, workers, n, dataDir);
        if (workers === 1) single = r.rate;
        const ceiling = (workers * concurrency * 1000) / LATENCY_MS;
        failures.push(...r.problems.map((p) => `${workers} workers × ${concurrency}: ${p}`));
        rows.push({
          engine: 'mysql', metric: `${workers} worker${workers > 1 ? 's' : ''} × concurrency ${concurrency} (ceiling ${perSecond(ceiling)})`,
          actual: `${perSecond(r.rate)}, ${r.doubles} double sends`, baseline: `${perSecond(single)} (1 worker)`,
          ratio: `${(r.rate / single).toFixed(2)}×`, target: '0 double sends, every delivery success', pass: r.doubles === 0 && r.problems.length === 0,
        });
        console.error(`  ${workers} × ${concurrency}: ${perSecond(r.rate)}, ${r.doubles} double sends${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`);
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
  if (failures.length) {
    console.error(`\nbench:scale FAILED:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
