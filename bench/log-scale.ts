/**
 * `npm run bench:log-scale` — the log at scale (issue 16): LOG_ROWS deliveries (default
 * 1,000,000) and as many runs, spread over the last 30 days, in a fresh SQLite file and (with
 * HOOKFLOW_BENCH_MYSQL_URL / HOOKFLOW_TEST_MYSQL_URL) a fresh MariaDB/MySQL database. Then times
 * what the pages ask the database, through the very functions they call: the overview's counts
 * and chart, and the first page of the delivery log and the run log without and with each
 * filter. Median of 5 (after one warm-up); every query must stay under 100 ms (exit 1 if not).
 * The rows are written straight into the tables in multi-row INSERTs, 10k per transaction.
 */
import type { Knex } from 'knex';
import { migrateLatest } from '../module/storage/migrate.js';
import { dbNowMs } from '../module/storage/engine.js';
import { countDeliveriesSince, hourlyDeliveryCounts, listDeliveries } from '../module/outbound/queue/read.js';
import { heldCountsByTask } from '../module/outbound/queue/hold.js';
import { listHeldDestinations } from '../module/outbound/queue/destinations.js';
import { countRunsSince, listRuns } from '../module/workflows/runs.js';
import { benchMysqlUrl, createBenchDatabase, type BenchEngine } from './lib/db.js';
import { machineLine } from './lib/environment.js';
import { ms, percentile, printTable, type Row } from './lib/stats.js';

const ROWS = Number(process.env.LOG_ROWS ?? 1_000_000);
const TARGET_MS = 100;
const ROUNDS = 5;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SPAN_DAYS = 30;
const WORKFLOWS = 50;
const TASKS_PER_WORKFLOW = 4;
const RECORDS = 100_000;
const BODY = JSON.stringify({ event: 'record.updated', data: { note: 'x'.repeat(300) } });

/** Mostly successes, some failures, a trickle of live work: what a busy install's log holds. */
function deliveryStatus(i: number): string {
  const r = i % 1000;
  if (r < 40) return 'failed';
  if (r < 42) return 'queued';
  if (r < 43) return 'held';
  if (r < 45) return 'discarded';
  return 'success';
}
const runStatus = (i: number) => (i % 1000 < 30 ? 'failed' : i % 1000 < 80 ? 'skipped' : 'succeeded');

function deliveryRow(i: number, at: number): Record<string, unknown> {
  const workflow = (i % WORKFLOWS) + 1;
  const status = deliveryStatus(i);
  return {
    webhook_id: `msg_bench_${i}`,
    run_id: i + 1,
    workflow_id: workflow,
    task_id: workflow * TASKS_PER_WORKFLOW + (i % TASKS_PER_WORKFLOW),
    event_type: 'record.updated',
    module: 'Deals',
    record_id: (i * 7919) % RECORDS,
    method: 'POST',
    url: `https://rx${i % 20}.example/hook`,
    destination_host: `rx${i % 20}.example:443`,
    headers: '{"content-type":"application/json"}',
    content_type: 'application/json',
    body: BODY,
    status,
    attempt_count: status === 'failed' ? 8 : 1,
    next_attempt_at: at,
    last_status_code: status === 'failed' ? 500 : 200,
    created_at: at,
    updated_at: at,
    finished_at: ['queued', 'held'].includes(status) ? null : at + 120,
  };
}

function runRow(i: number, at: number): Record<string, unknown> {
  const status = runStatus(i);
  return {
    workflow_id: (i % WORKFLOWS) + 1,
    trigger: 'record.updated',
    source: 'record_event',
    module: 'Deals',
    record_id: (i * 7919) % RECORDS,
    order_key: `Deals:${(i * 7919) % RECORDS}`,
    status,
    event: BODY,
    env: '{}',
    task_results: '[]',
    created_at: at,
    started_at: at,
    finished_at: at + 40,
  };
}

/** Inserts `ROWS` rows made by `make`, oldest first, evenly over the last SPAN_DAYS. */
async function fill(db: Knex, table: string, now: number, make: (i: number, at: number) => object): Promise<void> {
  const chunk = 200;
  const perTx = 10_000;
  const step = (SPAN_DAYS * DAY) / ROWS;
  for (let start = 0; start < ROWS; start += perTx) {
    await db.transaction(async (trx) => {
      for (let i = start; i < Math.min(ROWS, start + perTx); i += chunk) {
        const rows = [];
        for (let j = i; j < Math.min(ROWS, i + chunk, start + perTx); j++)
          rows.push(make(j, Math.round(now - SPAN_DAYS * DAY + j * step)));
        await trx(table).insert(rows);
      }
    });
  }
}

type Probe = { name: string; run: (db: Knex, now: number) => Promise<unknown> };

const page = { limit: 50, offset: 0 };
const PROBES: Probe[] = [
  { name: 'overview: delivery counts 24 h', run: (db, now) => countDeliveriesSince(db, now - 24 * HOUR) },
  {
    name: 'overview: chart 7 days by hour',
    run: (db, now) => hourlyDeliveryCounts(db, (Math.floor(now / HOUR) - 7 * 24 + 1) * HOUR),
  },
  { name: 'overview: run counts 24 h', run: (db, now) => countRunsSince(db, now - 24 * HOUR) },
  { name: 'overview: held by task', run: (db) => heldCountsByTask(db) },
  { name: 'overview: held destinations', run: (db) => listHeldDestinations(db) },
  { name: 'log: first page', run: (db) => listDeliveries(db, page) },
  { name: 'log: status=failed', run: (db) => listDeliveries(db, { ...page, status: 'failed' }) },
  { name: 'log: status=success', run: (db) => listDeliveries(db, { ...page, status: 'success' }) },
  { name: 'log: workflow', run: (db) => listDeliveries(db, { ...page, workflowId: 7 }) },
  {
    name: 'log: workflow + status=failed',
    run: (db) => listDeliveries(db, { ...page, workflowId: 7, status: 'failed' }),
  },
  { name: 'log: task', run: (db) => listDeliveries(db, { ...page, taskId: 7 * TASKS_PER_WORKFLOW + 1 }) },
  { name: 'log: record', run: (db) => listDeliveries(db, { ...page, recordId: 4242 }) },
  { name: 'log: since 24 h', run: (db, now) => listDeliveries(db, { ...page, since: now - DAY }) },
  {
    name: 'log: one day, 10 days ago',
    run: (db, now) => listDeliveries(db, { ...page, since: now - 11 * DAY, until: now - 10 * DAY }),
  },
  // Too wide to bound by ids (666k rows inside, 333k after): the walk over the narrow index.
  { name: 'log: until 10 days ago', run: (db, now) => listDeliveries(db, { ...page, until: now - 10 * DAY }) },
  { name: 'runs: first page', run: (db) => listRuns(db, page) },
  { name: 'runs: until 10 days ago', run: (db, now) => listRuns(db, { ...page, until: now - 10 * DAY }) },
  { name: 'runs: status=failed', run: (db) => listRuns(db, { ...page, status: 'failed' }) },
  { name: 'runs: workflow', run: (db) => listRuns(db, { ...page, workflowId: 7 }) },
  { name: 'runs: workflow + status=failed', run: (db) => listRuns(db, { ...page, workflowId: 7, status: 'failed' }) },
];

async function medianMs(db: Knex, now: number, probe: Probe): Promise<number> {
  await probe.run(db, now);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await probe.run(db, now);
    times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

async function benchEngine(engine: BenchEngine, mysqlUrl: string | null): Promise<Row[]> {
  const d = await createBenchDatabase(engine, mysqlUrl);
  try {
    await migrateLatest(d.db);
    const now = await dbNowMs(d.db);
    const t0 = performance.now();
    await fill(d.db, 'hookflow_deliveries', now, deliveryRow);
    await fill(d.db, 'hookflow_runs', now, runRow);
    console.error(`${engine}: filled ${ROWS} deliveries and runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const rows: Row[] = [];
    for (const probe of PROBES) {
      const median = await medianMs(d.db, now, probe);
      rows.push({
        engine,
        metric: probe.name,
        actual: ms(median),
        target: `< ${TARGET_MS} ms`,
        pass: median < TARGET_MS,
      });
    }
    return rows;
  } finally {
    await d.destroy();
  }
}

async function main(): Promise<void> {
  const mysqlUrl = benchMysqlUrl();
  console.log(`log scale: ${ROWS} deliveries and runs; ${machineLine()}`);
  const rows = await benchEngine('sqlite', null);
  if (mysqlUrl) rows.push(...(await benchEngine('mysql', mysqlUrl)));
  else console.log('(no HOOKFLOW_BENCH_MYSQL_URL / HOOKFLOW_TEST_MYSQL_URL: SQLite only)');
  printTable(rows);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

await main();
