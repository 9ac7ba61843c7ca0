/**
 * `npm run bench:outbound` — the outbound webhook benchmark (issue 4). Prints one table, with
 * every number measured in this run side by side with its baseline:
 *   - deliveries/s through the durable queue (lease, HTTP, attempt row, new state) to a local
 *     200-OK receiver vs raw undici requests to the same receiver at the same concurrency;
 *   - event-to-request latency (record save → webhook request at the receiver), p50/p99;
 *   - the latency the record-save hook adds (installed + matching active workflow vs
 *     `setHooks(null)`), p50/p99;
 *   - healthy receivers' delivery rate with one receiver hanging vs none.
 * SQLite always; MariaDB/MySQL too when HOOKFLOW_BENCH_MYSQL_URL (or HOOKFLOW_TEST_MYSQL_URL) is
 * set, in a throwaway database. Sizes scale with BENCH_SCALE (default 1; 0.2 for a smoke run).
 */
import os from 'node:os';
import { benchMysqlUrl, clearQueues, createBenchDatabase, type BenchEngine } from './lib/db.js';
import { createBenchHost, createWebhookWorkflow } from './lib/host.js';
import { startReceiver, type Receiver } from './lib/receiver.js';
import { measureQueueRate, measureRawRate, type QueueTarget } from './lib/deliveries.js';
import { timeEventToRequest, timeSaves } from './lib/save-path.js';
import { ms, percentile, perSecond, printTable, type Row } from './lib/stats.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CONCURRENCY = 16;
const size = (sqlite: number, mysql: number, engine: BenchEngine) => Math.max(20, Math.round((engine === 'sqlite' ? sqlite : mysql) * SCALE));
const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Receivers { ok: Receiver; healthy: Receiver[]; hanging: Receiver }

async function throughputRows(engine: BenchEngine, t: QueueTarget, rx: Receivers): Promise<Row[]> {
  const n = size(4000, 2500, engine);
  const run = { received: rx.ok.count };
  // Warm-up both paths (JIT, connection pools, page cache), then alternate raw and queued runs
  // (raw, queue, raw, queue, raw) so load from anything else on the machine hits both alike.
  await measureRawRate(rx.ok.url, 500, CONCURRENCY);
  await measureQueueRate(t, 300, [rx.ok.url], run);
  const raw = [await measureRawRate(rx.ok.url, n, CONCURRENCY)];
  const queue: number[] = [];
  for (let i = 0; i < 2; i++) {
    queue.push(await measureQueueRate(t, n, [rx.ok.url], run));
    raw.push(await measureRawRate(rx.ok.url, n, CONCURRENCY));
  }
  const ratio = mean(queue) / mean(raw);
  return [{ engine, metric: `deliveries/s, 1 receiver, concurrency ${CONCURRENCY} (2×${n})`, actual: perSecond(mean(queue)), baseline: `${perSecond(mean(raw))} raw undici`, ratio: pct(ratio), target: '≥ 25% of raw', pass: ratio >= 0.25 }];
}

async function latencyRows(engine: BenchEngine, t: QueueTarget, rx: Receivers, recordId: number): Promise<Row[]> {
  await clearQueues(t.db);
  await timeEventToRequest(t.host, recordId, rx.ok, 20); // warm-up
  const lat = await timeEventToRequest(t.host, recordId, rx.ok, size(300, 200, engine));
  return [
    { engine, metric: `event → request latency p50 (n=${lat.length})`, actual: ms(percentile(lat, 50)) },
    { engine, metric: 'event → request latency p99', actual: ms(percentile(lat, 99)) },
  ];
}

async function saveHookRows(engine: BenchEngine, t: QueueTarget, recordId: number): Promise<Row[]> {
  await clearQueues(t.db);
  const rounds = size(60, 30, engine);
  const { installed, uninstalled } = await timeSaves(t.host, recordId, rounds);
  const row = (p: number, limit: number | null): Row => {
    const added = percentile(installed, p) - percentile(uninstalled, p);
    return {
      engine, metric: `save hook added latency p${p} (n=${installed.length}+${uninstalled.length})`, actual: ms(added),
      baseline: `${ms(percentile(installed, p))} vs ${ms(percentile(uninstalled, p))} uninstalled`,
      ...(limit === null ? {} : { target: `≤ ${limit} ms`, pass: added <= limit }),
    };
  };
  return engine === 'sqlite' ? [row(50, 0.1), row(99, 0.5)] : [row(50, null), row(99, 2)];
}

/**
 * Healthy receivers' delivery rate with one more receiver hanging vs none, at a per-host cap of
 * 4 and `lanes` deliveries in flight per worker: the default 16 (a dead host can hold 4 of 16
 * lanes, 25%), and 32.
 */
async function isolationRow(engine: BenchEngine, t: QueueTarget, rx: Receivers, lanes: number): Promise<Row> {
  const settings = t.host.hookflow.services.settings;
  // Saved on top of the effective settings: a partial save would store every other default too.
  await settings.save({ ...settings.get(), perHostConcurrency: 4, maxConcurrency: lanes });
  const n = size(3000, 2000, engine);
  const urls = rx.healthy.map((r) => r.url);
  const received = () => rx.healthy.reduce((sum, r) => sum + r.count(), 0);
  const calm: number[] = [];
  const stormy: number[] = [];
  for (let i = 0; i < 2; i++) { // alternated, like the throughput runs
    calm.push(await measureQueueRate(t, n, urls, { received }));
    stormy.push(await measureQueueRate(t, n, urls, {
      received,
      before: { n: 200, urls: [rx.hanging.url] }, // older than the healthy ones: claimed first
      beforeStop: async () => rx.hanging.dropConnections(), // ends the hung requests so the worker can stop now
    }));
  }
  await settings.save({ ...settings.get(), perHostConcurrency: CONCURRENCY, maxConcurrency: CONCURRENCY });
  const drop = 1 - mean(stormy) / mean(calm);
  return {
    engine, metric: `healthy deliveries/s, 1 of ${urls.length + 1} receivers hanging (${lanes} lanes, 4 per host; 2×${n})`, actual: perSecond(mean(stormy)),
    baseline: `${perSecond(mean(calm))} none hanging`, ratio: `drop ${pct(Math.max(0, drop))}`, target: 'drop ≤ 20%', pass: drop <= 0.2,
  };
}

async function benchEngine(engine: BenchEngine, mysqlUrl: string | null): Promise<Row[]> {
  const bdb = await createBenchDatabase(engine, mysqlUrl);
  const rx: Receivers = { ok: await startReceiver(), healthy: [], hanging: await startReceiver({ hang: true }) };
  for (let i = 0; i < 4; i++) rx.healthy.push(await startReceiver());
  // One receiver may use all 16 lanes here (per-host cap 16), so the queue and the raw baseline
  // run at the same concurrency; the isolation rows use the default per-host cap of 4.
  const host = await createBenchHost(bdb.db, {
    outboundAllowlist: ['127.0.0.1/32'], maxConcurrency: CONCURRENCY, perHostConcurrency: CONCURRENCY, requestTimeoutMs: 15_000, pollIntervalMs: 1000,
  });
  try {
    const t: QueueTarget = { db: bdb.db, host, ...(await createWebhookWorkflow(host, rx.ok.url)) };
    const record = await host.records.create('Deals', { title: 'bench deal' }, { actorUserId: host.admin.id });
    const rows = [...await throughputRows(engine, t, rx)];
    rows.push(...await latencyRows(engine, t, rx, record.id));
    rows.push(...await saveHookRows(engine, t, record.id));
    rows.push(await isolationRow(engine, t, rx, CONCURRENCY));
    rows.push(await isolationRow(engine, t, rx, 2 * CONCURRENCY));
    return rows;
  } finally {
    await host.close();
    await Promise.allSettled([rx.ok, rx.hanging, ...rx.healthy].map((r) => r.close()));
    await bdb.destroy();
  }
}

async function serverVersion(url: string | null): Promise<string> {
  if (!url) return 'not set (SQLite only)';
  const bdb = await createBenchDatabase('mysql', url);
  try { return String((await bdb.db.raw('SELECT VERSION() AS v'))[0][0].v); } finally { await bdb.destroy(); }
}

async function main(): Promise<void> {
  const mysqlUrl = benchMysqlUrl();
  const started = Date.now();
  console.log(`Hookflow outbound benchmark — node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? '?'}), scale ${SCALE}`);
  console.log(`MariaDB/MySQL: ${await serverVersion(mysqlUrl)}`);
  // Everything (receivers, worker, SQLite, the raw baseline) shares this machine's CPUs: a high
  // load from other processes skews the numbers, so it is printed with them.
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()}`);
  const rows: Row[] = [];
  for (const engine of (mysqlUrl ? ['sqlite', 'mysql'] : ['sqlite']) as BenchEngine[]) {
    process.stderr.write(`… ${engine}\n`);
    rows.push(...await benchEngine(engine, mysqlUrl));
  }
  console.log('');
  printTable(rows);
  const failed = rows.filter((r) => r.pass === false);
  console.log(`\n${failed.length === 0 ? 'all targets met' : `${failed.length} target(s) missed`} in ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end: ${load()}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
