/** `hookflow migrate`: Hookflow's migrations on DATABASE_URL, nothing else (host tables are never touched). */
import type { Io } from './main.js';
import type { ParsedArgs } from './args.js';
import { openDatabase } from '../storage/database-url.js';
import { migrateLatest } from '../storage/migrate.js';

export async function migrateCommand(_args: ParsedArgs, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL: not set, e.g. DATABASE_URL=mysql://user:pass@127.0.0.1:3306/crm');
  const db = openDatabase(env.DATABASE_URL, { poolMax: 1 });
  try {
    const applied = await migrateLatest(db);
    io.out(applied.length === 0 ? 'up to date: no migration to apply' : `applied ${applied.length}: ${applied.join(', ')}`);
  } finally {
    await db.destroy();
  }
}
