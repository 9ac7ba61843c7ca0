/**
 * A throw-away MariaDB/MySQL database for one fault test, plus the one outage the test may
 * cause on a SHARED server: killing every connection the worker processes hold (`KILL <id>`),
 * as a server restart would, without touching anybody else's connections.
 *
 * The test process's own connections are recognised by thread id (recorded as the pool opens
 * them), so the outage hits the workers only; the admin connection has no default database and
 * never matches.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { dbNowMs } from '../../../module/storage/engine.js';

export interface FaultDatabase {
  /** The test process's knex on the test database. */
  db: Knex;
  /** DATABASE_URL for the worker processes. */
  url: string;
  name: string;
  /** KILLs every connection to the test database not opened by this process; returns how many. */
  killWorkerConnections(): Promise<number>;
  /** The database clock, epoch ms (Hookflow's times come from it). */
  nowMs(): Promise<number>;
  destroy(): Promise<void>;
}

/** The server URL (no database) the fault tests run against, or null when not configured. */
export function faultServerUrl(): string | null {
  return process.env.HOOKFLOW_TEST_MYSQL_URL || null;
}

function connectionOf(url: URL, database?: string): Knex.MySql2ConnectionConfig {
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
  };
}

export async function createFaultDatabase(serverUrl: string): Promise<FaultDatabase> {
  const base = new URL(serverUrl);
  const name = `hookflow_faults_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: connectionOf(base), pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const ownThreads = new Set<number>();
  // Same connection options as host/db.ts openDatabase, so rows read back the same way.
  const db = knexFactory({
    client: 'mysql2',
    connection: connectionOf(base, name),
    pool: {
      min: 0,
      max: 10,
      afterCreate(conn: { threadId: number }, done: (err: Error | null, conn: unknown) => void) {
        ownThreads.add(conn.threadId);
        done(null, conn);
      },
    },
  });
  const url = new URL(base.toString());
  url.pathname = `/${name}`;

  async function workerThreadIds(): Promise<number[]> {
    const rows = await admin('information_schema.PROCESSLIST').where({ DB: name }).select('ID');
    return (rows as Array<{ ID: number }>).map((r) => Number(r.ID)).filter((id) => !ownThreads.has(id));
  }

  return {
    db,
    url: url.toString(),
    name,
    async killWorkerConnections() {
      let killed = 0;
      for (const id of await workerThreadIds()) {
        // A connection may close between the listing and the KILL: "Unknown thread id" is fine.
        try {
          await admin.raw('KILL ?', [id]);
          killed += 1;
        } catch (err) {
          if (!/Unknown thread id/i.test(String(err))) throw err;
        }
      }
      return killed;
    },
    nowMs: () => dbNowMs(db),
    async destroy() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
    },
  };
}
