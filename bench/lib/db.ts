/**
 * Throwaway databases for the benchmark: a temp SQLite file always; a `hookflow_bench_<random>`
 * database on the MariaDB/MySQL server named by HOOKFLOW_BENCH_MYSQL_URL (or
 * HOOKFLOW_TEST_MYSQL_URL), dropped afterwards.
 */
import type { Knex } from 'knex';
import { createTestDatabase, type EngineName, type TestDatabase } from '../../test/helpers/engines.js';

export type BenchEngine = EngineName;
export type BenchDatabase = TestDatabase;

/** The MariaDB/MySQL server to benchmark on, if any. */
export function benchMysqlUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.HOOKFLOW_BENCH_MYSQL_URL || env.HOOKFLOW_TEST_MYSQL_URL || null;
}

export async function createBenchDatabase(engine: BenchEngine, mysqlUrl: string | null): Promise<BenchDatabase> {
  if (engine === 'mysql' && !mysqlUrl) throw new Error('no MariaDB/MySQL URL');
  return createTestDatabase(engine, { mysqlUrl, prefix: 'hookflow_bench' });
}

/** Empties the queue and log tables between scenarios (workflows and settings stay). */
export async function clearQueues(db: Knex): Promise<void> {
  for (const table of [
    'hookflow_attempts',
    'hookflow_alerts',
    'hookflow_deliveries',
    'hookflow_run_once',
    'hookflow_runs',
  ])
    await db(table).del();
}
