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
 * a throwaway database is created and dropped. Sizes scale with BENCH_SCALE (default 1);
 * BENCH_CONCURRENCIES (default `4,16`) picks the per-worker concurrencies. BENCH_RECEIVERS (default
 * 1) spreads the deliveries round-robin over that many receivers, each its own destination
 * (host:port): claims of one destination are serialised by its lock row, claims of different
 * destinations are not, so more receivers show what the fleet does without that serialisation.
 * BENCH_BASELINE_ROOT=/path/to/another/checkout (its node_modules linked) also runs that
 * checkout's workers in the same rounds, interleaved with these (a before/after comparison on the
 * same machine under the same load); its migrations folder must hold these migrations too.
 * The "CPU busy" column is the whole machine's (all processes, /proc/stat) during the drain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkerFleet, type FleetOptions, type WorkerFleet } from '../test/faults/lib/worker-fleet.js';
import { TEST_SECRET_KEY } from '../test/helpers/test-host.js';
import { benchMysqlUrl, clearQueues, createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { createBenchHost, createWebhookWorkflow } from './lib/host.js';
import { startReceiver, type Receiver } from './lib/receiver.js';
import { checkDeliveries, countSuccesses, enqueueMany, type QueueTarget } from './lib/deliveries.js';
import { durability, loadAverage, machineLine } from './lib/environment.js';
import { cpuBusySince, cpuTimes } from './lib/cpu.js';
import { perSecond, printTable, showSpread, spread, waitUntil, type Row } from './lib/stats.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY_MS = 20;
const FLEETS = [1, 2, 4];
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES ?? '4,16').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RECEIVERS = Math.max(1, Number(process.env.BENCH_RECEIVERS ?? 1));

type FleetFactory = (opts: FleetOptions) => WorkerFleet;

/** The code under test: this checkout's workers, and optionally a baseline checkout's. */
interface Code {
  label: string;
  fleet: FleetFactory;
}

async function codesToRun(): Promise<Code[]> {
  const base = process.env.BENCH_BASELINE_ROOT;
  const codes: Code[] = [{ label: base ? 'this branch' : '', fleet: createWorkerFleet }];
  if (base) {
    const mod = await import(path.join(path.resolve(base), 'test/faults/lib/worker-fleet.ts'));
    codes.push({ label: `baseline (${path.basename(path.resolve(base))})`, fleet: mod.createWorkerFleet });
  }
  return codes;
}

interface FleetResult {
  rate: number;
  /** The machine's CPUs busy during the drain, 0–1. */
  busy: number;
  doubles: number;
  problems: string[];
}

/** Starts `workers` processes, drains `n` deliveries, stops them; the rate excludes start-up. */
async function runFleet(
  bench: BenchDatabase,
  t: QueueTarget,
  rxs: Receiver[],
  workers: number,
  n: number,
  dataDir: string,
  makeFleet: FleetFactory,
): Promise<FleetResult> {
  const urls = rxs.map((r) => r.url);
  const received = () => rxs.reduce((a, r) => a + r.count(), 0);
  const clearIds = () => rxs.forEach((r) => r.webhookIds.clear());
  await clearQueues(t.db);
  clearIds();
  const fleet = makeFleet({ databaseUrl: bench.url, dataDir });
  try {
    await fleet.start(workers);
    // Warm-up: every process claims, sends and records a few before the clock starts.
    await enqueueMany(t, 40 * workers, urls);
    await waitUntil('the warm-up', 60_000, async () => (await countSuccesses(t.db)) >= 40 * workers, 50);
    await clearQueues(t.db);
    clearIds();
    const seen = received();
    const started = performance.now();
    const cpu = cpuTimes();
    await enqueueMany(t, n, urls);
    await waitUntil(`${n} requests`, 300_000, async () => received() - seen >= n, 5);
    await waitUntil(`${n} successful deliveries`, 60_000, async () => (await countSuccesses(t.db)) >= n, 5);
    const rate = (n / (performance.now() - started)) * 1000;
    const busy = cpuBusySince(cpu);
    await fleet.stopAll();
    if (fleet.crashes.length) throw new Error(`a worker crashed:\n${fleet.crashes.join('\n')}`);
    // A webhook-id is a double send whether one receiver saw it twice or two receivers once each.
    const seenIds = new Map<string, number>();
    for (const r of rxs) for (const [id, c] of r.webhookIds) seenIds.set(id, (seenIds.get(id) ?? 0) + c);
    const doubles = [...seenIds.values()].filter((c) => c > 1).length;
    // Every queued delivery `success` after exactly one 2xx attempt, each webhook-id received once.
    const problems = await checkDeliveries(t.db, rxs, { expected: n });
    if (seenIds.size !== n) problems.push(`${seenIds.size} distinct webhook-ids for ${n} deliveries`);
    return { rate, busy, doubles, problems };
  } finally {
    await fleet.stopAll('SIGKILL');
  }
}

interface Measure {
  bench: BenchDatabase;
  t: QueueTarget;
  rxs: Receiver[];
  n: number;
  dataDir: string;
  codes: Code[];
  concurrency: number;
  rows: Row[];
  failures: string[];
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

/** ROUNDS rounds of every (code, fleet size) pair at one concurrency, order rotated per round; then the table rows. */
async function measureConcurrency(m: Measure): Promise<void> {
  const runs = m.codes.flatMap((code) => FLEETS.map((workers) => ({ code, workers })));
  const results = new Map(runs.map((r) => [r, [] as FleetResult[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(i + round) % runs.length]; // rotated: each pair in each position
      const r = await runFleet(m.bench, m.t, m.rxs, run.workers, m.n, m.dataDir, run.code.fleet);
      results.get(run)!.push(r);
      const what = `${run.code.label} ${run.workers} × ${m.concurrency}`.trim();
      m.failures.push(...r.problems.map((p) => `${what}, round ${round + 1}: ${p}`));
      console.error(
        `  round ${round + 1}/${ROUNDS} ${what}: ${perSecond(r.rate)}, CPU busy ${percent(r.busy)}, ${r.doubles} double sends${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`,
      );
    }
  }
  for (const code of m.codes) {
    const of = (workers: number) => results.get(runs.find((r) => r.code === code && r.workers === workers)!)!;
    const single = spread(of(1).map((r) => r.rate)).median;
    for (const workers of FLEETS) {
      const rs = of(workers);
      const rate = spread(rs.map((r) => r.rate));
      const doubles = rs.reduce((a, r) => a + r.doubles, 0);
      const ceiling = (workers * m.concurrency * 1000) / LATENCY_MS;
      m.rows.push({
        engine: 'mysql',
        metric:
          `${code.label} ${workers} worker${workers > 1 ? 's' : ''} × concurrency ${m.concurrency} (ceiling ${perSecond(ceiling)})`.trim(),
        actual: `${showSpread(rate, perSecond)}, CPU busy ${percent(spread(rs.map((r) => r.busy)).median)}, ${doubles} double sends`,
        baseline: `${perSecond(single)} (1 worker)`,
        ratio: `${(rate.median / single).toFixed(2)}×`,
        target: '0 double sends, every delivery success',
        pass: doubles === 0 && rs.every((r) => r.problems.length === 0),
      });
    }
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
  process.setMaxListeners(CONCURRENCIES.length * FLEETS.length * ROUNDS * 2 + 10);
  const bench = await createBenchDatabase('mysql', mysqlUrl);
  const rxs = await Promise.all(Array.from({ length: RECEIVERS }, () => startReceiver({ latencyMs: LATENCY_MS })));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-scale-'));
  // The worker processes of the fleet run with TEST_SECRET_KEY: this process must seal with it too.
  const host = await createBenchHost(bench.db, {}, TEST_SECRET_KEY);
  const rows: Row[] = [];
  const failures: string[] = [];
  const codes = await codesToRun();
  try {
    await host.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
    const { workflowId, taskId } = await createWebhookWorkflow(host, rxs[0].url);
    const t: QueueTarget = { db: bench.db, host, workflowId, taskId };
    console.log(`bench:scale — ${machineLine()}`);
    console.log(`${await durability(bench.db)}`);
    console.log(
      `receiver latency ${LATENCY_MS} ms, ${RECEIVERS} receiver(s) (destinations), ${n} deliveries per run, ${ROUNDS} interleaved round(s) per fleet size; figures are median (min–max) over the rounds; load average at start: ${loadAverage()}`,
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
      await measureConcurrency({ bench, t, rxs, n, dataDir, codes, concurrency, rows, failures });
    }
  } finally {
    await host.close();
    for (const r of rxs) await r.close();
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
