/**
 * The reference host's own tables (`crm_*`). They are migrated with knex, tracked in their own
 * `crm_migrations` table so they never mix with Hookflow's `hookflow_migrations`.
 *
 * Migrations are defined in code (a knex MigrationSource) rather than a folder, because the host
 * is loaded through tsx or from dist/ and a code source works the same in both.
 * Times are epoch milliseconds in BIGINT columns: identical on SQLite and MySQL, no time zones.
 */
import type { Knex } from 'knex';
import { INVOICES_SEED } from './modules.js';

interface HostMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: HostMigration[] = [
  {
    name: '0001_users_records_sessions',
    async up(knex) {
      await knex.schema.createTable('crm_users', (t) => {
        t.increments('id').primary();
        t.string('name', 200).notNullable();
        // Stored lower-cased; unique so logins are unambiguous.
        t.string('email', 254).notNullable().unique();
        // scrypt$N$r$p$salt$hash; null = the user cannot log in with a password.
        t.string('password_hash', 255).nullable();
        // sha256 hex of the API token; the token itself is never stored.
        t.string('api_token_hash', 64).nullable().unique();
        t.boolean('active').notNullable().defaultTo(true);
        t.boolean('is_admin').notNullable().defaultTo(false);
        t.bigInteger('created_at').notNullable();
      });
      await knex.schema.createTable('crm_records', (t) => {
        t.increments('id').primary();
        t.string('module', 64).notNullable();
        t.integer('owner_user_id').unsigned().notNullable().references('id').inTable('crm_users');
        // mediumtext on MySQL: plain TEXT stops at 64 KiB, below the API's 100 KiB body limit.
        t.text('fields', 'mediumtext').notNullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['module', 'id'], 'crm_records_module_id');
      });
      await knex.schema.createTable('crm_sessions', (t) => {
        // sha256 hex of the cookie value, so a leaked table does not hand out live sessions.
        t.string('id', 64).primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('crm_users').onDelete('CASCADE');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('expires_at').notNullable().index('crm_sessions_expires_at');
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('crm_sessions');
      await knex.schema.dropTableIfExists('crm_records');
      await knex.schema.dropTableIfExists('crm_users');
    },
  },
  {
    // What a user reads Hookflow's failure mails in (HostUser.locale / timeZone); null = the default.
    name: '0002_user_locale_time_zone',
    async up(knex) {
      await knex.schema.alterTable('crm_users', (t) => {
        t.string('locale', 35).nullable();
        t.string('time_zone', 64).nullable();
      });
    },
    async down(knex) {
      await knex.schema.alterTable('crm_users', (t) => {
        t.dropColumn('time_zone');
        t.dropColumn('locale');
      });
    },
  },
  {
    // Admin-defined modules (host/custom-modules.ts), seeded with a Bitrix24 smart-invoice style one.
    name: '0003_custom_modules',
    async up(knex) {
      await knex.schema.createTable('crm_modules', (t) => {
        t.increments('id').primary();
        t.string('name', 64).notNullable().unique();
        t.string('label', 200).notNullable();
        // { fields, aliases } as ModuleInfo has them; mediumtext on MySQL for up to 100 fields.
        t.text('definition', 'mediumtext').notNullable();
        t.bigInteger('created_at').notNullable();
      });
      await knex('crm_modules').insert({ ...INVOICES_SEED, created_at: Date.now() });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('crm_modules');
    },
  },
];

const migrationSource: Knex.MigrationSource<HostMigration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: m.up, down: m.down }),
};

const migratorConfig: Knex.MigratorConfig = { migrationSource, tableName: 'crm_migrations' };

/** Creates or upgrades the host's tables; safe to call on every start. Returns the names applied. */
export async function migrateHost(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migratorConfig)) as [number, string[]];
  return applied;
}
