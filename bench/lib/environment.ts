/**
 * What every benchmark prints first: the machine, the node version, the load on the machine,
 * and the durability settings of the database it measured. Throughput on SQLite or MariaDB
 * depends on whether a commit waits for the disk, so a number without them says little.
 */
import os from 'node:os';
import type { Knex } from 'knex';

export function machineLine(): string {
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model ?? '?'}), ${os.platform()} ${os.release()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** The engine, its version and the settings that decide when a commit is on disk. */
export async function durability(db: Knex): Promise<string> {
  const client = String((db.client as { config: { client: unknown } }).config.client);
  if (client.includes('sqlite')) {
    const first = (rows: unknown) => Object.values((rows as Array<Record<string, unknown>>)[0] ?? {})[0];
    const journal = first(await db.raw('PRAGMA journal_mode'));
    const sync = Number(first(await db.raw('PRAGMA synchronous')));
    const version = first(await db.raw('SELECT sqlite_version() AS v'));
    return `SQLite ${version}: journal_mode=${journal}, synchronous=${SYNCHRONOUS[sync] ?? sync}`;
  }
  const [rows] = await db.raw(
    'SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS f, @@sync_binlog AS s, @@log_bin AS b',
  );
  const r = (rows as Array<Record<string, unknown>>)[0];
  return `MariaDB/MySQL ${r.v}: innodb_flush_log_at_trx_commit=${r.f}, sync_binlog=${r.s}, log_bin=${Number(r.b) ? 'ON' : 'OFF'}`;
}
