/**
 * Runs Hookflow's own migrations. They live in `migrations/` next to `module/`, track
 * themselves in `hookflow_migrations` (never the host's table) and only touch `hookflow_*` tables.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';

/** Absolute path of the migrations folder (works from sources and from dist/). */
export const migrationsDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

const config: Knex.MigratorConfig = {
  directory: migrationsDirectory,
  tableName: 'hookflow_migrations',
  loadExtensions: ['.ts', '.js'],
};

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Rolls every Hookflow migration back (uninstall with data removal). */
export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(config, true);
}
