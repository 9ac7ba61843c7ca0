/**
 * npm run bench:inbound — the full short-URL handler (allowlist check, form parse, a 3-task
 * workflow that creates a record, durable run log) against a baseline express 5 route that only
 * parses the same urlencoded body, both measured in this run on this machine with the same
 * client and concurrency. Prints a table with the ratio and the targets:
 *   throughput ≥ 50% of the baseline, p99 ≤ baseline p99 + 15 ms (SQLite; MariaDB reported).
 * MariaDB runs too when HOOKFLOW_BENCH_MYSQL_URL (or HOOKFLOW_TEST_MYSQL_URL) is set.
 * Options (env): BENCH_SECONDS per measurement (default 4), BENCH_CONCURRENCY (default 16).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Pool } from 'undici';
import { benchMysqlUrl, createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { createBenchHost } from './lib/host.js';
import { percentile } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BODY = 'firstname=Firstname&lastname=Lastname&street=streetname+123&';

interface Measured { rps: number; p50: number; p99: number; errors: number }

async function serve(app: express.Express): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    async close() { server.closeAllConnections(); await new Promise((r) => server.close(r)); },
  };
}

/** Keeps CONCURRENCY requests in flight for SECONDS; latency per request in ms. */
async function load(port: number, path: string, seconds = SECONDS): Promise<Measured> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  async function client(): Promise<void> {
    while (performance.now() < until) {
      const t0 = performance.now();
      const res = await pool.request({ method: 'POST', path, body: BODY, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await res.body.text();
      if (res.statusCode !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

function baselineApp(): express.Express {
  const app = express();
  app.post('/base', express.urlencoded({ extended: true }), (req, res) => { res.json({ ok: true, fields: Object.keys(req.body ?? {}).length }); });
  return app;
}

async function benchEngine(db: BenchDatabase): Promise<{ base: Measured; full: Measured }> {
  const bench = await createBenchHost(db.db, { inboundPerIpPerMinute: 100_000 });
  try {
    const wf = await bench.hookflow.services.workflows.create({
      module: 'Leads', title: 'Bench lead form', status: 'active', trigger: 'http', triggerName: 'benchform',
      requiredEnv: [{ name: 'lastname', type: 'text', required: true }],
      tasks: [
        { type: 'set_env', title: 'source', options: { values: [{ name: 'source', value: 'Web form' }] } },
        { type: 'create_record', title: 'create', options: { module: 'Leads', fields: [{ field: 'firstname', value: '$env["firstname"]' }, { field: 'lastname', value: '$env["lastname"]' }, { field: 'street', value: '$env["street"]' }, { field: 'source', value: '$env.source' }] } },
        { type: 'respond', title: 'answer', options: { body: { leadId: '$env.created_record_id' } } },
      ],
    }, bench.admin.id);
    await bench.hookflow.services.permissions.create({ title: 'bench', triggerName: 'benchform', sources: '127.0.0.1' });
    const app = baselineApp();
    app.use('/wf', bench.hookflow.inboundRouter);
    const srv = await serve(app);
    try {
      await load(srv.port, '/base', 1); // warm-up both paths (JIT, connections, statement caches)
      await load(srv.port, '/wf?trigger=benchform&record_id=0', 1);
      const base = await load(srv.port, '/base');
      const full = await load(srv.port, '/wf?trigger=benchform&record_id=0');
      const runs = await db.db('hookflow_runs').where({ workflow_id: wf.id }).count({ n: '*' }).first();
      if (Number(runs?.n) < full.rps) throw new Error('the handler did not log its runs');
      return { base, full };
    } finally { await srv.close(); }
  } finally { await bench.close(); }
}

async function main(): Promise<void> {
  const engines: Array<'sqlite' | 'mysql'> = ['sqlite'];
  const mysqlUrl = benchMysqlUrl();
  if (mysqlUrl) engines.push('mysql');
  const rows: string[][] = [];
  for (const engine of engines) {
    const db = await createBenchDatabase(engine, mysqlUrl);
    try {
      const { base, full } = await benchEngine(db);
      const ratio = full.rps / base.rps;
      const p99Budget = base.p99 + 15;
      const strict = engine === 'sqlite';
      rows.push([engine, 'baseline: express.urlencoded only', base.rps.toFixed(0), base.p50.toFixed(2), base.p99.toFixed(2), '', '']);
      rows.push([engine, 'Hookflow short URL (3 tasks)', full.rps.toFixed(0), full.p50.toFixed(2), full.p99.toFixed(2), `${(ratio * 100).toFixed(0)}%`,
        `${ratio >= 0.5 ? 'PASS' : strict ? 'MISS' : 'info'} ≥50% · ${full.p99 <= p99Budget ? 'PASS' : strict ? 'MISS' : 'info'} p99 ≤ ${p99Budget.toFixed(1)} ms${full.errors ? ` · ${full.errors} errors` : ''}`]);
    } finally { await db.destroy(); }
  }
  console.log(`\nbench:inbound — ${CONCURRENCY} concurrent clients, ${SECONDS} s per measurement, same process and client for both\n`);
  printColumns(['engine', 'endpoint', 'req/s', 'p50 ms', 'p99 ms', 'vs base', 'targets'], rows);
}

function printColumns(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  console.log([line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

main().catch((err) => { console.error(err); process.exit(1); });
