/**
 * The commands that need only DATABASE_URL: `hookflow migrate` (Hookflow's migrations, nothing else
 * — host tables are never touched) and `hookflow rotate-key`.
 */
import type { Io } from './main.js';
import type { ParsedArgs } from './args.js';
import { openDatabase } from '../storage/database-url.js';
import { migrateLatest } from '../storage/migrate.js';
import { rotateKey } from '../rotate-key.js';

function databaseUrl(env: NodeJS.ProcessEnv): string {
  if (!env.DATABASE_URL)
    throw new Error('DATABASE_URL: not set, e.g. DATABASE_URL=mysql://user:pass@127.0.0.1:3306/crm');
  return env.DATABASE_URL;
}

export async function migrateCommand(_args: ParsedArgs, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const db = openDatabase(databaseUrl(env), { poolMax: 1 });
  try {
    const applied = await migrateLatest(db);
    io.out(
      applied.length === 0 ? 'up to date: no migration to apply' : `applied ${applied.length}: ${applied.join(', ')}`,
    );
  } finally {
    await db.destroy();
  }
}

/** `hookflow rotate-key`: HOOKFLOW_SECRET_KEY (current) → HOOKFLOW_NEW_SECRET_KEY, every secret re-sealed. */
export async function rotateKeyCommand(_args: ParsedArgs, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const url = databaseUrl(env);
  if (!env.HOOKFLOW_SECRET_KEY) throw new Error('HOOKFLOW_SECRET_KEY: not set (the current key)');
  if (!env.HOOKFLOW_NEW_SECRET_KEY)
    throw new Error('HOOKFLOW_NEW_SECRET_KEY: not set (the key to change to, e.g. openssl rand -hex 32)');
  const db = openDatabase(url, { poolMax: 1 });
  try {
    const { resealed } = await rotateKey(db, { from: env.HOOKFLOW_SECRET_KEY, to: env.HOOKFLOW_NEW_SECRET_KEY });
    io.out(
      `rotated: ${resealed} task${resealed === 1 ? '' : 's'} re-sealed; start every process with HOOKFLOW_SECRET_KEY set to the new key`,
    );
  } finally {
    await db.destroy();
  }
}
