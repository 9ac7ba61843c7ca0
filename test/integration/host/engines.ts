/**
 * Self-contained engine helper for the host tests (to be swapped for test/helpers/ later):
 * a fresh SQLite file in os.tmpdir() always, and a fresh MariaDB/MySQL database when
 * HOOKFLOW_TEST_MYSQL_URL is set (e.g. mysql://root@127.0.0.1:3306).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { openDatabase, parseDatabaseUrl } from '../../../host/db.js';

export type EngineName = 'sqlite' | 'mysql';

export interface TestDatabase {
  engine: EngineName;
  db: Knex;
  /** DATABASE_URL of this database. */
  url: string;
  /** A scratch folder for the test (data dir, mail dir); removed by cleanup. */
  dir: string;
  cleanup(): Promise<void>;
}

/** The engines to run on: always sqlite, plus mysql when HOOKFLOW_TEST_MYSQL_URL is set. */
export function testEngines(): EngineName[] {
  return process.env.HOOKFLOW_TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
}

export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-host-'));
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  if (engine === 'sqlite') {
    const url = `sqlite:${path.join(dir, 'test.sqlite')}`;
    const db = openDatabase(parseDatabaseUrl(url));
    return { engine, db, url, dir, cleanup: async () => { await db.destroy(); removeDir(); } };
  }
  const server = new URL(process.env.HOOKFLOW_TEST_MYSQL_URL!);
  const name = `hookflow_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = knexFactory({
    client: 'mysql2',
    connection: {
      host: server.hostname, port: Number(server.port || 3306),
      user: decodeURIComponent(server.username || 'root'), password: decodeURIComponent(server.password),
    },
    pool: { min: 0, max: 1 },
  });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(`/${name}`, server).toString();
  const db = openDatabase(parseDatabaseUrl(url));
  return {
    engine, db, url, dir,
    cleanup: async () => {
      await db.destroy();
      try { await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``); } finally { await admin.destroy(); removeDir(); }
    },
  };
}
