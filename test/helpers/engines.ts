/**
 * Runs one test body on every available engine, each with its own fresh database:
 * SQLite (a temp file) always; MariaDB/MySQL when HOOKFLOW_TEST_MYSQL_URL is set
 * (a `hookflow_test_<random>` database, dropped afterwards). HOOKFLOW_TEST_ENGINES=sqlite or
 * =mysql narrows that to one engine (the mutation check proves each engine on its own).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, before, after } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { openDatabase } from '../../host/db.js';

export type EngineName = 'sqlite' | 'mysql';

export interface TestDatabase {
  engine: EngineName;
  db: Knex;
  /** For child processes: a DATABASE_URL pointing at the same database. */
  url: string;
  destroy(): Promise<void>;
}

const ENGINES: readonly EngineName[] = ['sqlite', 'mysql'];

export function availableEngines(): EngineName[] {
  const all: EngineName[] = process.env.HOOKFLOW_TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
  const wanted = (process.env.HOOKFLOW_TEST_ENGINES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.length === 0) return all;
  const unknown = wanted.filter((w) => !ENGINES.includes(w as EngineName));
  if (unknown.length > 0)
    throw new Error(`HOOKFLOW_TEST_ENGINES: unknown engine ${unknown.join(', ')}; use sqlite, mysql or sqlite,mysql`);
  // Asking for an engine that cannot run must fail, not quietly test nothing.
  if (wanted.includes('mysql') && !process.env.HOOKFLOW_TEST_MYSQL_URL)
    throw new Error('HOOKFLOW_TEST_ENGINES=mysql needs HOOKFLOW_TEST_MYSQL_URL');
  return all.filter((e) => wanted.includes(e));
}

function adminConnection(url: URL): Knex {
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
    },
    pool: { min: 0, max: 1 },
  });
}

export interface ScratchOptions {
  /** MariaDB/MySQL server URL (no database). Default HOOKFLOW_TEST_MYSQL_URL. */
  mysqlUrl?: string | null;
  /** Temp-dir and database name prefix. Default `hookflow_test`. */
  prefix?: string;
}

/**
 * A fresh, empty database (not migrated) that `destroy()` removes: a temp SQLite file, or a
 * `<prefix>_<random>` database on the MariaDB/MySQL server. Also used by the benchmarks.
 */
export async function createTestDatabase(engine: EngineName, opts: ScratchOptions = {}): Promise<TestDatabase> {
  const prefix = opts.prefix ?? 'hookflow_test';
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix.replace(/_/g, '-')}-`));
    const file = path.join(dir, 'test.sqlite');
    const db = openDatabase({ engine: 'sqlite', file });
    return {
      engine,
      db,
      url: `sqlite:${file}`,
      async destroy() {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const server = opts.mysqlUrl ?? process.env.HOOKFLOW_TEST_MYSQL_URL;
  if (!server) throw new Error('no MariaDB/MySQL server URL');
  const base = new URL(server);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = adminConnection(base);
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const db = openDatabase({ engine: 'mysql', url: url.toString() });
  return {
    engine,
    db,
    url: url.toString(),
    async destroy() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
    },
  };
}

/**
 * describe() once per engine. `body` receives a getter (the database exists only once
 * `before` has run) and registers tests as usual.
 */
export function describeEachEngine(title: string, body: (t: () => TestDatabase) => void): void {
  for (const engine of availableEngines()) {
    describe(`${title} [${engine}]`, () => {
      let current: TestDatabase | null = null;
      before(async () => {
        current = await createTestDatabase(engine);
      });
      after(async () => {
        await current?.destroy();
      });
      body(() => {
        if (!current) throw new Error('test database not ready');
        return current;
      });
    });
  }
}
