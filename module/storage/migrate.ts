/**
 * Runs Hookflow's own migrations. They live in `migrations/` beside `module/` (compiled to
 * `dist/migrations` for hosts), track themselves in `hookflow_migrations` (never the host's
 * table) and only touch `hookflow_*` tables.
 *
 * Migrations are named without their file extension (`20261123000001_foundation`), so a
 * database migrated from the TypeScript sources and later by the built package (or the other
 * way round) sees the same names; rows written under the older `<name>.ts` convention are
 * renamed once before migrating.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { migrationsDirectory } from '../package-files.js';
import { ensureIncrementalVacuum } from './sqlite-vacuum.js';

export { migrationsDirectory };

export const MIGRATIONS_TABLE = 'hookflow_migrations';

/** `<14 digits>_<name>.js|.ts` — never `.d.ts` declarations or source maps next to built files. */
const MIGRATION_FILE = /^(\d{14}_[a-z0-9_]+)\.(?:js|ts)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** The migration files in `dir`, one per name (a `.js` beside its `.ts` counts once), sorted. */
export function listMigrationFiles(dir: string = migrationsDirectory): Array<{ name: string; file: string }> {
  const byName = new Map<string, string>();
  for (const entry of fs.readdirSync(dir).sort()) {
    const match = MIGRATION_FILE.exec(entry);
    if (match && !byName.has(match[1])) byName.set(match[1], path.join(dir, entry));
  }
  return [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, file]) => ({ name, file }));
}

function migrationSource(dir: string): Knex.MigrationSource<{ name: string; file: string }> {
  return {
    getMigrations: async () => listMigrationFiles(dir),
    getMigrationName: (m) => m.name,
    getMigration: async (m) => (await import(pathToFileURL(m.file).href)) as MigrationModule,
  };
}

function migratorConfig(dir: string): Knex.MigratorConfig {
  return { tableName: MIGRATIONS_TABLE, migrationSource: migrationSource(dir) };
}

/** Renames rows recorded as `<name>.ts` / `<name>.js` (the convention before names lost their extension). */
async function normaliseRecordedNames(db: Knex): Promise<void> {
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return;
  const rows: Array<{ id: number; name: string }> = await db(MIGRATIONS_TABLE).select('id', 'name');
  for (const row of rows) {
    const bare = row.name.replace(/\.(?:js|ts)$/, '');
    if (bare !== row.name) await db(MIGRATIONS_TABLE).where({ id: row.id }).update({ name: bare });
  }
}

/**
 * Applies pending migrations; returns the names applied (empty when up to date). A SQLite file is
 * switched to incremental auto-vacuum too (once, outside the migrations' transactions: VACUUM
 * cannot run inside one), so retention can shrink it.
 */
export async function migrateLatest(db: Knex, dir: string = migrationsDirectory): Promise<string[]> {
  await normaliseRecordedNames(db);
  const [, applied] = (await db.migrate.latest(migratorConfig(dir))) as [number, string[]];
  await ensureIncrementalVacuum(db);
  return applied;
}

/** Names of migrations not yet applied (what `health()` reports; a read, never a write). */
export async function pendingMigrations(db: Knex, dir: string = migrationsDirectory): Promise<string[]> {
  const known = listMigrationFiles(dir).map((m) => m.name);
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return known;
  const done = new Set(
    (await db(MIGRATIONS_TABLE).select('name')).map((r: { name: string }) => r.name.replace(/\.(?:js|ts)$/, '')),
  );
  return known.filter((name) => !done.has(name));
}
