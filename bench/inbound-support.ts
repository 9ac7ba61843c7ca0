/**
 * Shared bench plumbing: a throwaway database per engine, the reference host's services with
 * Hookflow installed (worker off: benchmarks drive what they measure), percentiles and a table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { openDatabase } from '../host/db.js';
import { migrateHost } from '../host/schema.js';
import { RecordService } from '../host/records.js';
import { UserService } from '../host/users.js';
import { install, type InstalledHookflow } from '../module/index.js';
import type { HookflowSettingsPatch } from '../module/config.js';
import type { HostContext } from '../module/host.js';

export interface BenchDatabase { engine: 'sqlite' | 'mysql'; db: Knex; destroy(): Promise<void> }

export async function openBenchDatabase(engine: 'sqlite' | 'mysql', mysqlUrl?: string): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-'));
    const db = openDatabase({ engine: 'sqlite', file: path.join(dir, 'bench.sqlite') });
    return { engine, db, async destroy() { await db.destroy(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const base = new URL(mysqlUrl as string);
  const name = `hookflow_bench_${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: { host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username || 'root'), password: decodeURIComponent(base.password) }, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const db = openDatabase({ engine: 'mysql', url: url.toString() });
  return {
    engine, db,
    async destroy() { await db.destroy(); await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``); await admin.destroy(); },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface BenchHost { hookflow: InstalledHookflow; records: RecordService; adminId: number; close(): Promise<void> }

export async function installBenchHost(db: Knex, settings: HookflowSettingsPatch = {}): Promise<BenchHost> {
  await migrateHost(db);
  const now = () => new Date();
  const records = new RecordService(db, now);
  const users = new UserService(db, now);
  const admin = await users.createUser({ name: 'Bench Admin', email: `bench-${randomBytes(3).toString('hex')}@example.com`, isAdmin: true });
  const context: HostContext = {
    db, records, users, logger: silent, now, mailFrom: 'bench@example.com', baseUrl: 'http://bench.test',
    mailer: { async sendMail() { return { messageId: 'bench' }; } },
    requireAdmin: (_req, _res, next) => next(),
  };
  const hookflow = await install(context, { secretKey: randomBytes(32).toString('hex'), startWorker: false, settings });
  records.setHooks(hookflow.hooks);
  return { hookflow, records, adminId: admin.id, async close() { records.setHooks(null); await hookflow.uninstall(); } };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
