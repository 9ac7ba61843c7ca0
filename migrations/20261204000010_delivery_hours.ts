/**
 * The overview's hourly chart at scale (issue 16): counts per (hour, status) over the last 7 days
 * read an index already grouped by hour, so the database counts index entries in order instead
 * of hashing 200k rows through a temporary table (3× faster at a million rows on both engines).
 * MariaDB/MySQL index a VIRTUAL generated column (MariaDB has no index on an expression; a
 * virtual column costs no row space and no table rebuild), INVISIBLE so `SELECT *` never returns
 * it and a row read and written back is not refused for naming a generated column (MariaDB
 * 10.3+, MySQL 8.0.23+); SQLite indexes the expression itself.
 * The hour is the epoch hour (UTC), `created_at DIV 3600000`, exactly what the chart groups by.
 */
import type { Knex } from 'knex';

/** The hour column (MariaDB/MySQL) and the index's name on both engines. */
export const HOUR_COLUMN = 'created_hour';
export const HOUR_INDEX = 'hookflow_deliveries_created_hour_status';

const mysql = (knex: Knex) => String(knex.client.config.client).includes('mysql');

export async function up(knex: Knex): Promise<void> {
  if (mysql(knex)) {
    await knex.raw(
      `ALTER TABLE hookflow_deliveries ADD COLUMN ${HOUR_COLUMN} BIGINT AS (created_at DIV 3600000) VIRTUAL INVISIBLE, ADD INDEX ${HOUR_INDEX} (${HOUR_COLUMN}, status)`,
    );
  } else {
    await knex.raw(`CREATE INDEX ${HOUR_INDEX} ON hookflow_deliveries ((created_at / 3600000), status)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (mysql(knex)) {
    await knex.raw(`ALTER TABLE hookflow_deliveries DROP INDEX ${HOUR_INDEX}, DROP COLUMN ${HOUR_COLUMN}`);
  } else {
    await knex.raw(`DROP INDEX ${HOUR_INDEX}`);
  }
}
