/**
 * Throwaway databases for the benchmark: a temp SQLite file always; a `hookflow_bench_<random>`
 * database on the MariaDB/MySQL server named by HOOKFLOW_BENCH_MYSQL_URL (or
 * HOOKFLOW_TEST_MYSQL_URL), dropped afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { openDatabase } from '../../host/db.js';

export type BenchEngine = 'sqlite' | 'mysql';

export interface BenchDatabase {
  engine: BenchEngine;
  db: Knex;
  /** DATABASE_URL of this database, for worker processes (`sqlite:<file>` or `mysql://…/<name>`). */
  url: string;
  destroy(): Promise<void>;
}

/** The MariaDB/MySQL server to benchmark on, if any. */
export function benchMysqlUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.HOOKFLOW_BENCH_MYSQL_URL || env.HOOKFLOW_TEST_MYSQL_URL || null;
}

export async function createBenchDatabase(engine: BenchEngine, mysqlUrl: string | null): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-'));
    const file = path.join(dir, 'bench.sqlite');
    const db = openDatabase({ engine: 'sqlite', file });
    return { engine, db, url: `sqlite:${file}`, async destroy() { await db.destroy(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  if (!mysqlUrl) throw new Error('no MariaDB/MySQL URL');
  const base = new URL(mysqlUrl);
  const admin = knexFactory({
    client: 'mysql2',
    connection: { host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username || 'root'), password: decodeURIComponent(base.password) },
    pool: { min: 0, max: 1 },
  });
  const name = `hookflow_bench_${randomBytes(5).toString('hex')}`;
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const db = openDatabase({ engine: 'mysql', url: url.toString() });
  return {
    engine, db, url: url.toString(),
    async destroy() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
    },
  };
}

/** Empties the queue and log tables between scenarios (workflows and settings stay). */
export async function clearQueues(db: Knex): Promise<void> {
  for (const table of ['hookflow_attempts', 'hookflow_alerts', 'hookflow_deliveries', 'hookflow_run_once', 'hookflow_runs']) await db(table).del();
}
